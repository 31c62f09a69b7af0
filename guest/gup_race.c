// SPDX-License-Identifier: GPL-2.0-only
/*
 * gup_race - race stress test for long-term FOLL_PIN pins (Linux 6.1).
 *
 * What it stresses: PIN_LONGTERM_TEST_START of the gup_test debugfs file
 * (pin_user_pages(), pin_user_pages_fast() and pin_user_pages_fast_only()
 * with FOLL_LONGTERM, with and without FOLL_WRITE) racing against changes
 * of the mappings being pinned: truncation and hole punching of the backing
 * file, munmap + mmap(MAP_FIXED), mmap(MAP_FIXED) over the mapping,
 * MADV_DONTNEED, MADV_PAGEOUT, THP split (mprotect of a sub-range,
 * MADV_NOHUGEPAGE, partial punch or zap) and collapse (MADV_COLLAPSE),
 * mremap away and back, fork() with a child that writes (COW),
 * drop_caches, compact_memory (migration) and rewrites of the pages.
 *
 * Each region is a fixed, 2 MiB aligned 2 MiB range that always keeps its
 * kind of backing: a shared file on each -d DIR (ext4, xfs, tmpfs), a
 * shared memfd, private anonymous memory, private anonymous memory with
 * MADV_HUGEPAGE and a shared MFD_HUGETLB memfd (2 MiB pages).  The memfd is
 * mapped with MADV_HUGEPAGE too, so that it gets shmem THPs where
 * shmem_enabled allows ("advise"); the tmpfs file keeps small pages unless
 * /tmp is mounted with huge=.
 *
 * Two pinner threads pin random sub-ranges of random regions with a random
 * method, R/W or R/O, without any locking; two mutator threads change the
 * regions under them.  Every ~200 ms (at least twice the duration of the
 * previous check apart, for slow emulated machines) and at the end, the
 * main thread stops the mutators (not the pinners), re-establishes every
 * region with a fresh pattern and pins each whole region by every method.
 *
 * Invariants:
 *  A: a R/W long-term pin of an ext4/xfs shared mapping never succeeds, by
 *     any method (checked on every iteration); in quiet checks it fails
 *     with EFAULT.  With -n (kernel without the restriction, the negative
 *     control) A is not checked; such pins must instead be seen succeeding
 *     in quiet checks, by every method.
 *  B: in quiet checks, R/W and R/O long-term pins of the anonymous, THP,
 *     memfd, tmpfs and hugetlb regions succeed with slow, fast and
 *     fast-only GUP.  GUP-fast-only may legitimately fail while a page is
 *     being migrated (compaction), collapsed by khugepaged or split by the
 *     deferred-split shrinker, none of which the test can stop: such a
 *     failure is retried after re-touching the pages and, if a retry
 *     succeeds, counted separately as "transient", not as a violation.
 *  C: READ of a successful pin succeeds, and in quiet checks it returns
 *     exactly the pattern just written.
 *  D: after all gup_test files are closed, the nr_foll_pin_acquired and
 *     nr_foll_pin_released deltas in /proc/vmstat are equal.
 *
 * With -f N (a kernel with fault injection and its debugfs), every START
 * ioctl, racing or quiet, runs with the calling thread's make-it-fail set,
 * and failslab, fail_page_alloc and fail_usercopy fail every Nth of the
 * calls made by such threads (task-filter; sleeping allocations and order 0
 * included). Nothing else the test does is failed: the mutators, setup,
 * READ and STOP. A pin may then fail with any errno where it would succeed
 * (B and the quiet EFAULT of A are relaxed; every allowed region must still
 * be pinned in some quiet check), but a refused pin must never succeed (A),
 * a successful pin must read back the pattern (C) and the counters must
 * balance (D). How many failures were injected is printed; none fails the
 * run. -s SEED fixes the test's own random choices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "gup_test.h"
#include "kselftest.h"
#include "pin_counters.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB		(21U << 26)
#endif
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC		0x958458f6
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif

#define GUP_TEST_FILE		"/sys/kernel/debug/gup_test"
#define HUGE_FREE_FILE	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

#define REGION_SIZE		(2UL << 20)
/* Per region: guard, home, guard, spare (mremap target). */
#define SLOT_SIZE		(4 * REGION_SIZE)
#define ARENA_BASE		(16UL << 40)
#define MAX_REGIONS		16
#define MAX_DIRS		8
#define NR_PINNERS		2
#define NR_MUTATORS		2
#define QUIET_INTERVAL_MS	200
#define FAST_ONLY_TRIES		8
#define NR_ERRNO		256
#define MAX_MESSAGES		40
#define ALARM_SLACK		60

enum kind {
	K_EXT4, K_XFS, K_TMPFS, K_OTHERFS, K_MEMFD, K_ANON, K_THP, K_HUGETLB,
};


#define DESC_A "A: R/W long-term pins of ext4/xfs shared mappings are refused (with -n: seen pinned by every method)"
#define DESC_B "B: long-term pins of anon/THP/memfd/tmpfs/hugetlb succeed in quiet checks"
#define DESC_C "C: READ of pinned pages succeeds and returns the pattern written"
#define DESC_D "D: nr_foll_pin_acquired == nr_foll_pin_released after closing all pins"
#define DESC_E "E: (-f) failures were injected into the pins"

/*
 * ksft_test_result_skip() of 6.1's kselftest.h prints the reason where the
 * description goes: print the description first, so that a result has the
 * same name whether it ran or not, and count it as a skip.
 */
static void result_skip(const char *desc, const char *reason)
{
	ksft_inc_xskip_cnt();
	printf("ok %u %s # SKIP %s\n", ksft_test_num(), desc, reason);
}

static const char * const kind_name[] = {
	[K_EXT4] = "ext4", [K_XFS] = "xfs", [K_TMPFS] = "tmpfs",
	[K_OTHERFS] = "otherfs", [K_MEMFD] = "memfd", [K_ANON] = "anon",
	[K_THP] = "thp", [K_HUGETLB] = "hugetlb",
};

enum method { M_SLOW, M_FAST, M_FAST_ONLY, NR_METHODS };

static const char * const method_name[] = { "slow", "fast", "fast-only" };
static __u32 method_flags[NR_METHODS] = {
	0, PIN_LONGTERM_TEST_FLAG_USE_FAST, PIN_LONGTERM_TEST_FLAG_USE_FAST_ONLY,
};

enum outcome { O_PINNED, O_EFAULT, O_OTHER, NR_OUTCOMES };

enum invariant { INV_A, INV_B, INV_C, INV_D, NR_INV };

enum mut_op {
	MUT_TRUNCATE, MUT_PUNCH, MUT_REMAP, MUT_MMAP_OVER, MUT_DONTNEED,
	MUT_PAGEOUT, MUT_MPROTECT, MUT_THP_TOGGLE, MUT_COLLAPSE, MUT_MREMAP,
	MUT_FORK, MUT_WRITE,
	NR_REGION_OPS,
	MUT_DROP_CACHES = NR_REGION_OPS, MUT_COMPACT,
	NR_MUT_OPS,
};

static const char * const mut_name[] = {
	[MUT_TRUNCATE] = "truncate 0 and back",
	[MUT_PUNCH] = "punch hole",
	[MUT_REMAP] = "munmap + mmap",
	[MUT_MMAP_OVER] = "mmap over",
	[MUT_DONTNEED] = "MADV_DONTNEED",
	[MUT_PAGEOUT] = "MADV_PAGEOUT",
	[MUT_MPROTECT] = "mprotect R/O + R/W",
	[MUT_THP_TOGGLE] = "MADV_NOHUGEPAGE/HUGEPAGE",
	[MUT_COLLAPSE] = "MADV_COLLAPSE",
	[MUT_MREMAP] = "mremap away and back",
	[MUT_FORK] = "fork + child writes",
	[MUT_WRITE] = "write new data",
	[MUT_DROP_CACHES] = "drop_caches",
	[MUT_COMPACT] = "compact_memory",
};

struct region {
	char name[80];
	enum kind kind;
	int fd;				/* -1 for anonymous memory */
	char *addr;			/* home address, never changes */
	char *spare;			/* reserved mremap target */
	pthread_mutex_t lock;		/* mutators only */
	bool broken;			/* mapping state unknown: remap */
	bool ready;			/* established in this quiet check */
	unsigned long gen;		/* pattern generation written */
};

struct pin_stats {
	unsigned long out[MAX_REGIONS][NR_METHODS][2][NR_OUTCOMES];
	unsigned long err[MAX_REGIONS][NR_ERRNO];
};

struct pinner {
	pthread_t thread;
	int id;
	int fd;
	char *buf;
	uint64_t rng;
	unsigned long iterations;
	double end;
	struct pin_stats st;
};

struct mutator {
	pthread_t thread;
	int id;
	uint64_t rng;
	double last_drop, last_compact;
};

static struct {
	bool unrestricted;
	double runtime;
	unsigned long max_iter;
	const char *dirs[MAX_DIRS];
	int nr_dirs;
	unsigned int fault_interval;	/* -f: 0 means no fault injection */
	bool seeded;
	uint64_t seed;
} opt = { .runtime = 20 };

static size_t page_size;
static unsigned long region_pages;
static pid_t main_pid;

static struct region regions[MAX_REGIONS];
static int nr_regions;
static int nr_restricted;
static char *arena;
static int nr_methods = NR_METHODS;

static pthread_rwlock_t quiesce;
static int stop_mutators, stop_pinners;
static unsigned long iter_started;
static int pinners_done;

static struct pinner pinners[NR_PINNERS];
static struct mutator mutators[NR_MUTATORS];

/* Quiet-check state; only the main thread touches it. */
static int checker_fd = -1;
static char *checker_buf;
static unsigned long quiet_gen;
static unsigned long quiet_rounds;
static double quiet_time, quiet_max;
static struct pin_stats quiet_st;
static unsigned long quiet_transient[MAX_REGIONS][2];
static unsigned long quiet_not_ready[MAX_REGIONS];
static unsigned long quiet_ro_fail[MAX_REGIONS];
static unsigned long neg_ok[MAX_REGIONS][NR_METHODS];
static unsigned long neg_fail[MAX_REGIONS][NR_METHODS];

static char skips[MAX_REGIONS][160];
static int nr_skips;

static unsigned long violations[NR_INV];
/* -f: quiet pins of allowed regions that succeeded, per region */
static unsigned long quiet_pinned[MAX_REGIONS];
static unsigned long messages;
static unsigned long stop_failures;
static unsigned long reopen_failures;

static unsigned long mut_done[NR_MUT_OPS], mut_fail[NR_MUT_OPS];
static int mut_last_err[NR_MUT_OPS];
static int mut_last_region[NR_MUT_OPS];

static __thread sigjmp_buf *fault_env;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned long rnd_below(uint64_t *s, unsigned long n)
{
	return (rnd(s) >> 11) % n;
}

static uint64_t seed_for(int salt)
{
	uint64_t s;

	if (opt.seeded)
		s = opt.seed * 0x9e3779b97f4a7c15ULL;
	else
		s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)getpid() << 20;
	s ^= (uint64_t)(salt + 1) * 0xbf58476d1ce4e5b9ULL;
	return s ? s : 1;
}

static bool is_file(enum kind k)
{
	return k == K_EXT4 || k == K_XFS || k == K_TMPFS || k == K_OTHERFS ||
	       k == K_MEMFD || k == K_HUGETLB;
}

/* File systems whose pages may not be pinned R/W long-term. */
static bool is_restricted(enum kind k)
{
	return k == K_EXT4 || k == K_XFS;
}

/* Kinds whose long-term pins must always work (invariant B). */
static bool is_allowed(enum kind k)
{
	return k == K_TMPFS || k == K_MEMFD || k == K_ANON || k == K_THP ||
	       k == K_HUGETLB;
}

static const char *errname(int err)
{
	switch (err) {
	case 0: return "success";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case EBUSY: return "EBUSY";
	case EINTR: return "EINTR";
	case ENOSPC: return "ENOSPC";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EIO: return "EIO";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EHWPOISON: return "EHWPOISON";
	default: return strerror(err);
	}
}

static void violation(enum invariant inv, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	__atomic_add_fetch(&violations[inv], 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&messages, 1, __ATOMIC_RELAXED) >= MAX_MESSAGES)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# VIOLATION %c: %s\n", 'A' + inv, msg);
}

/* Async-signal-safe exits. */
static void die_signal(const char *msg)
{
	ssize_t ret;

	ret = write(STDOUT_FILENO, msg, strlen(msg));
	(void)ret;
	_exit(KSFT_FAIL);
}

static void alarm_handler(int sig)
{
	(void)sig;
	die_signal("Bail out! gup_race: time limit (run time + 60 s) exceeded, something hangs\n");
}

static void fault_handler(int sig)
{
	if (getpid() != main_pid)
		_exit(3);	/* forked child */
	if (fault_env)
		siglongjmp(*fault_env, 1);
	if (sig == SIGBUS)
		die_signal("Bail out! gup_race: unexpected SIGBUS\n");
	die_signal("Bail out! gup_race: unexpected SIGSEGV\n");
}

/*
 * Run fn(arg), turning a SIGBUS (file truncated under us, hugetlb pool
 * empty, ENOSPC) or a SIGSEGV (mapping not in the state the code expects)
 * into a -1 return instead of death.
 */
static int guarded(void (*fn)(void *), void *arg)
{
	sigjmp_buf env;

	if (sigsetjmp(env, 1)) {
		fault_env = NULL;
		return -1;
	}
	fault_env = &env;
	fn(arg);
	fault_env = NULL;
	return 0;
}

static uint64_t pattern(unsigned long gen, int ridx, unsigned long page,
			unsigned long word)
{
	return ((uint64_t)gen << 32) | ((uint64_t)ridx << 24) |
	       ((uint64_t)page << 12) | word;
}

static void fill_pattern_fn(void *arg)
{
	struct region *r = arg;
	unsigned long words = page_size / sizeof(uint64_t);
	int ridx = r - regions;
	unsigned long p, w;

	for (p = 0; p < region_pages; p++) {
		volatile uint64_t *q = (uint64_t *)(r->addr + p * page_size);

		for (w = 0; w < words; w++)
			q[w] = pattern(r->gen, ridx, p, w);
	}
}

struct write_args {
	char *start;
	size_t len;
	uint64_t val;
};

static void write_fn(void *arg)
{
	struct write_args *wa = arg;
	size_t off;

	for (off = 0; off < wa->len; off += 64)
		*(volatile uint64_t *)(wa->start + off) = wa->val + off;
}

static void read_fn(void *arg)
{
	struct write_args *wa = arg;
	size_t off;

	for (off = 0; off < wa->len; off += page_size)
		(void)*(volatile char *)(wa->start + off);
}

static int write_range(char *start, size_t len, uint64_t val)
{
	struct write_args wa = { start, len, val };

	return guarded(write_fn, &wa);
}

static int read_range(char *start, size_t len)
{
	struct write_args wa = { start, len, 0 };

	return guarded(read_fn, &wa);
}

/* Map the region at its home address; the kind of backing never changes. */
static int map_region(struct region *r)
{
	void *p;

	if (r->fd >= 0)
		p = mmap(r->addr, REGION_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, r->fd, 0);
	else
		p = mmap(r->addr, REGION_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* shmem THP too, where shmem_enabled is "advise". */
	if (r->kind == K_THP || r->kind == K_MEMFD)
		madvise(r->addr, REGION_SIZE, MADV_HUGEPAGE);
	return 0;
}

static int reserve(char *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		       -1, 0);

	return p == MAP_FAILED ? -errno : 0;
}

/* Give a hugetlb region its page, so that writing it cannot SIGBUS. */
static int hugetlb_populate(struct region *r, int tries)
{
	int i;

	for (i = 0; i < tries; i++) {
		if (!fallocate(r->fd, 0, 0, REGION_SIZE))
			return 0;
		if (errno != ENOSPC && errno != ENOMEM && errno != EINTR)
			return -errno;
		/* A pinner may briefly hold a truncated page: wait. */
		usleep(1000);
	}
	return -ENOSPC;
}

static void pick_range(struct region *r, uint64_t *rng, size_t *off,
		       size_t *len)
{
	unsigned long n, first;

	if (r->kind == K_HUGETLB) {
		*off = 0;
		*len = REGION_SIZE;
		return;
	}
	n = 1 + rnd_below(rng, region_pages);
	first = rnd_below(rng, region_pages - n + 1);
	*off = first * page_size;
	*len = n * page_size;
}

static int write_proc(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static bool op_applies(enum mut_op op, enum kind k)
{
	switch (op) {
	case MUT_TRUNCATE:
	case MUT_PUNCH:
		return is_file(k);
	case MUT_PAGEOUT:
		return k != K_HUGETLB;
	case MUT_THP_TOGGLE:
		return k == K_THP || k == K_MEMFD;
	case MUT_COLLAPSE:
		return k == K_THP || k == K_ANON || k == K_MEMFD;
	default:
		return true;
	}
}

/*
 * Mutate region r; called with quiesce held for read and r->lock held.
 * Returns 0 or -errno.  On return the region is mapped at home with its
 * backing, read-write, with a 2 MiB file, unless r->broken got set.
 */
static int mutate(struct mutator *m, struct region *r, enum mut_op op)
{
	uint64_t *rng = &m->rng;
	char *sub;
	size_t off, len;
	int err = 0;
	pid_t pid;
	void *p;

	pick_range(r, rng, &off, &len);
	sub = r->addr + off;

	/*
	 * Before splitting a private VMA, make sure it has its anon_vma:
	 * otherwise the piece that faults gets one, its neighbours do not,
	 * and 6.1 no longer merges them back (the region would stay split,
	 * failing mremap and ruling out THPs).
	 */
	if (r->fd < 0 && (op == MUT_MPROTECT || op == MUT_THP_TOGGLE))
		write_range(r->addr, sizeof(uint64_t), rnd(rng));

	switch (op) {
	case MUT_TRUNCATE:
		if (ftruncate(r->fd, 0))
			return -errno;
		if (rnd(rng) & 1)
			sched_yield();
		if (ftruncate(r->fd, REGION_SIZE)) {
			r->broken = true;
			return -errno;
		}
		return 0;
	case MUT_PUNCH:
		if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, len))
			return -errno;
		return 0;
	case MUT_REMAP:
		if (munmap(r->addr, REGION_SIZE))
			return -errno;
		if (rnd(rng) & 1)
			sched_yield();
		err = map_region(r);
		if (err)
			r->broken = true;
		return err;
	case MUT_MMAP_OVER:
		err = map_region(r);
		if (err)
			r->broken = true;
		return err;
	case MUT_DONTNEED:
		return madvise(sub, len, MADV_DONTNEED) ? -errno : 0;
	case MUT_PAGEOUT:
		return madvise(sub, len, MADV_PAGEOUT) ? -errno : 0;
	case MUT_MPROTECT:
		/* A failure may have changed part of the range: remap. */
		if (mprotect(sub, len, PROT_READ)) {
			r->broken = true;
			return -errno;
		}
		if (r->kind != K_HUGETLB || !hugetlb_populate(r, 1))
			read_range(sub, len);
		if (mprotect(sub, len, PROT_READ | PROT_WRITE)) {
			r->broken = true;
			return -errno;
		}
		if (r->kind == K_HUGETLB && hugetlb_populate(r, 1))
			return 0;
		write_range(sub, len, rnd(rng));
		return 0;
	case MUT_THP_TOGGLE:
		if (madvise(sub, len, MADV_NOHUGEPAGE)) {
			r->broken = true;
			return -errno;
		}
		write_range(sub, len, rnd(rng));
		if (madvise(sub, len, MADV_HUGEPAGE)) {
			r->broken = true;
			return -errno;
		}
		return 0;
	case MUT_COLLAPSE:
		return madvise(r->addr, REGION_SIZE, MADV_COLLAPSE) ? -errno : 0;
	case MUT_MREMAP:
		p = mremap(r->addr, REGION_SIZE, REGION_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, r->spare);
		if (p == MAP_FAILED)
			return -errno;
		if (r->kind != K_HUGETLB || !hugetlb_populate(r, 1))
			write_range(r->spare + off, page_size, rnd(rng));
		p = mremap(r->spare, REGION_SIZE, REGION_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, r->addr);
		if (p == MAP_FAILED) {
			err = -errno;
			r->broken = true;
		}
		reserve(r->spare, REGION_SIZE);
		return err;
	case MUT_FORK:
		if (r->kind == K_HUGETLB && hugetlb_populate(r, 1))
			return -ENOSPC;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return -errno;
		if (!pid) {
			/* Child: dirty some pages (COW for private ones). */
			write_range(sub, len, rnd(rng));
			_exit(0);
		}
		while (waitpid(pid, &err, 0) < 0) {
			if (errno != EINTR)
				return -errno;
		}
		if (!WIFEXITED(err) || WEXITSTATUS(err))
			return -ECHILD;
		return 0;
	case MUT_WRITE:
		if (r->kind == K_HUGETLB && hugetlb_populate(r, 1))
			return -ENOSPC;
		return write_range(sub, len, rnd(rng)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

static void count_mutation(enum mut_op op, int ridx, int err)
{
	if (err) {
		__atomic_add_fetch(&mut_fail[op], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&mut_last_err[op], -err, __ATOMIC_RELAXED);
		__atomic_store_n(&mut_last_region[op], ridx, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&mut_done[op], 1, __ATOMIC_RELAXED);
	}
}

static void *mutator_fn(void *arg)
{
	struct mutator *m = arg;

	while (!__atomic_load_n(&stop_mutators, __ATOMIC_RELAXED)) {
		double t = now();
		struct region *r;
		enum mut_op op;
		int err;

		pthread_rwlock_rdlock(&quiesce);
		if (t - m->last_drop > 0.1 && rnd_below(&m->rng, 20) == 0) {
			m->last_drop = t;
			err = write_proc("/proc/sys/vm/drop_caches",
					 rnd(&m->rng) & 1 ? "1" : "3");
			count_mutation(MUT_DROP_CACHES, -1, err);
		} else if (t - m->last_compact > 1.0 &&
			   rnd_below(&m->rng, 50) == 0) {
			m->last_compact = t;
			err = write_proc("/proc/sys/vm/compact_memory", "1");
			count_mutation(MUT_COMPACT, -1, err);
		} else {
			/*
			 * Op first, then a region it applies to: the ops
			 * for one kind only (THP) are not diluted.
			 */
			r = NULL;
			while (!r) {
				int cand[MAX_REGIONS], nr = 0, i;

				op = rnd_below(&m->rng, NR_REGION_OPS);
				for (i = 0; i < nr_regions; i++)
					if (op_applies(op, regions[i].kind))
						cand[nr++] = i;
				if (nr)
					r = &regions[cand[rnd_below(&m->rng, nr)]];
			}
			pthread_mutex_lock(&r->lock);
			if (r->broken && !map_region(r))
				r->broken = false;
			if (!r->broken)
				count_mutation(op, r - regions, mutate(m, r, op));
			pthread_mutex_unlock(&r->lock);
		}
		pthread_rwlock_unlock(&quiesce);
	}
	return NULL;
}

static void count_pin(struct pin_stats *st, int ridx, int m, int rw, int err)
{
	if (!err) {
		st->out[ridx][m][rw][O_PINNED]++;
	} else if (err == EFAULT) {
		st->out[ridx][m][rw][O_EFAULT]++;
	} else {
		st->out[ridx][m][rw][O_OTHER]++;
		st->err[ridx][err < NR_ERRNO ? err : 0]++;
	}
}

static void add_stats(struct pin_stats *dst, const struct pin_stats *src)
{
	int i, m, rw, o, e;

	for (i = 0; i < nr_regions; i++) {
		for (m = 0; m < NR_METHODS; m++)
			for (rw = 0; rw < 2; rw++)
				for (o = 0; o < NR_OUTCOMES; o++)
					dst->out[i][m][rw][o] +=
						src->out[i][m][rw][o];
		for (e = 0; e < NR_ERRNO; e++)
			dst->err[i][e] += src->err[i][e];
	}
}

static int open_gup_test(void)
{
	return open(GUP_TEST_FILE, O_RDWR | O_CLOEXEC);
}

/*
 * Fault injection (-f): the kernel's fault attributes this test uses, set up
 * before the run and read back after it.
 */
#define FAULT_DEBUGFS		"/sys/kernel/debug/"
#define FAULT_TIMES		1000000000L
static const char *const fault_attrs[] = {
	"failslab", "fail_page_alloc", "fail_usercopy",
};
#define NR_FAULT_ATTRS		(sizeof(fault_attrs) / sizeof(fault_attrs[0]))
static long fault_injected[NR_FAULT_ATTRS];
static __thread int make_it_fail_fd = -1;

static void fault_attr_write(const char *attr, const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAULT_DEBUGFS "%s/%s", attr, knob);
	if (write_proc(path, val))
		ksft_exit_fail_msg("-f: cannot write %s to %s (a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC and FAULT_INJECTION_USERCOPY is needed)\n",
				   val, path);
}

static long fault_attr_read(const char *attr, const char *knob)
{
	char path[128], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), FAULT_DEBUGFS "%s/%s", attr, knob);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		ksft_exit_fail_msg("-f: cannot read %s\n", path);
	close(fd);
	return strtol(buf, NULL, 10);
}

static void faults_setup(void)
{
	char interval[16], times[24];
	unsigned int i;

	snprintf(interval, sizeof(interval), "%u", opt.fault_interval);
	snprintf(times, sizeof(times), "%ld", FAULT_TIMES);
	for (i = 0; i < NR_FAULT_ATTRS; i++) {
		/* Only tasks with make-it-fail set; every Nth of their calls. */
		fault_attr_write(fault_attrs[i], "task-filter", "Y");
		fault_attr_write(fault_attrs[i], "probability", "100");
		fault_attr_write(fault_attrs[i], "interval", interval);
		fault_attr_write(fault_attrs[i], "times", times);
		fault_attr_write(fault_attrs[i], "space", "0");
		fault_attr_write(fault_attrs[i], "verbose", "0");
	}
	/* By default both leave sleeping allocations alone; and order 0. */
	fault_attr_write("failslab", "ignore-gfp-wait", "N");
	fault_attr_write("fail_page_alloc", "ignore-gfp-wait", "N");
	fault_attr_write("fail_page_alloc", "ignore-gfp-highmem", "N");
	fault_attr_write("fail_page_alloc", "min-order", "0");
}

static void faults_end(void)
{
	unsigned int i;

	for (i = 0; i < NR_FAULT_ATTRS; i++) {
		fault_attr_write(fault_attrs[i], "probability", "0");
		fault_injected[i] = FAULT_TIMES -
				    fault_attr_read(fault_attrs[i], "times");
	}
}

/* Set or clear make-it-fail for the calling thread only. */
static void fail_this_thread(bool on)
{
	int tries;

	if (make_it_fail_fd < 0)
		make_it_fail_fd = open("/proc/thread-self/make-it-fail", O_WRONLY);
	if (make_it_fail_fd < 0)
		ksft_exit_fail_msg("-f: /proc/thread-self/make-it-fail: %s\n",
				   strerror(errno));
	/* Clearing it copies from user space too, which may be failed. */
	for (tries = 0; tries < 1000; tries++)
		if (write(make_it_fail_fd, on ? "1" : "0", 1) == 1)
			return;
	ksft_exit_fail_msg("-f: cannot %s make-it-fail: %s\n",
			   on ? "set" : "clear", strerror(errno));
}

/* START: 0 or the errno; under injected faults with -f. */
static int pin_start(int fd, struct pin_longterm_test *args)
{
	int err;

	if (opt.fault_interval)
		fail_this_thread(true);
	err = ioctl(fd, PIN_LONGTERM_TEST_START, args) ? errno : 0;
	if (opt.fault_interval)
		fail_this_thread(false);
	return err;
}

static void *pinner_fn(void *arg)
{
	struct pinner *p = arg;
	__u64 uaddr = (uintptr_t)p->buf;

	while (!__atomic_load_n(&stop_pinners, __ATOMIC_RELAXED)) {
		struct pin_longterm_test args;
		unsigned long n, first;
		struct region *r;
		int ridx, m, rw, err;

		if (opt.max_iter &&
		    __atomic_fetch_add(&iter_started, 1, __ATOMIC_RELAXED) >=
		    opt.max_iter)
			break;
		ridx = rnd_below(&p->rng, nr_regions);
		r = &regions[ridx];
		m = rnd_below(&p->rng, nr_methods);
		rw = rnd(&p->rng) & 1;
		n = 1 + rnd_below(&p->rng, region_pages);
		first = rnd_below(&p->rng, region_pages - n + 1);

		memset(&args, 0, sizeof(args));
		args.addr = (uintptr_t)r->addr + first * page_size;
		args.size = n * page_size;
		args.flags = method_flags[m] |
			     (rw ? PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0);
		p->iterations++;

		err = pin_start(p->fd, &args);
		count_pin(&p->st, ridx, m, rw, err);
		if (err)
			continue;

		if (rw && is_restricted(r->kind) && !opt.unrestricted)
			violation(INV_A, "pinner %d: %s R/W pin of %s pages %lu..%lu succeeded",
				  p->id, method_name[m], r->name, first,
				  first + n - 1);
		if (ioctl(p->fd, PIN_LONGTERM_TEST_READ, &uaddr))
			violation(INV_C, "pinner %d: READ after %s %s pin of %s failed: %s",
				  p->id, method_name[m], rw ? "R/W" : "R/O",
				  r->name, errname(errno));
		if (ioctl(p->fd, PIN_LONGTERM_TEST_STOP)) {
			__atomic_add_fetch(&stop_failures, 1, __ATOMIC_RELAXED);
			close(p->fd);
			p->fd = open_gup_test();
			if (p->fd < 0) {
				__atomic_add_fetch(&reopen_failures, 1,
						   __ATOMIC_RELAXED);
				break;
			}
		}
	}
	p->end = now();
	__atomic_add_fetch(&pinners_done, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* Index of the first word of buf that differs from r's pattern, or -1. */
static long verify_pattern(struct region *r, const char *buf)
{
	unsigned long words = page_size / sizeof(uint64_t);
	const uint64_t *q = (const uint64_t *)buf;
	int ridx = r - regions;
	unsigned long p, w;

	for (p = 0; p < region_pages; p++)
		for (w = 0; w < words; w++)
			if (q[p * words + w] != pattern(r->gen, ridx, p, w))
				return p * words + w;
	return -1;
}

static long first_difference(const char *a, const char *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	long i;

	for (i = 0; i < (long)(REGION_SIZE / sizeof(uint64_t)); i++)
		if (x[i] != y[i])
			return i;
	return -1;
}

static int establish(struct region *r)
{
	int err;

	if (r->broken) {
		err = map_region(r);
		if (err)
			return err;
		r->broken = false;
	}
	if (r->fd >= 0 && ftruncate(r->fd, REGION_SIZE))
		return -errno;
	if (r->kind == K_HUGETLB) {
		err = hugetlb_populate(r, 1000);
		if (err)
			return err;
	}
	r->gen = quiet_gen;
	if (!guarded(fill_pattern_fn, r))
		return 0;
	/* Should not happen: the mutators keep the mapping sane. */
	err = map_region(r);
	if (err)
		return err;
	return guarded(fill_pattern_fn, r) ? -EFAULT : 0;
}

static void quiet_pin(int ridx, int m, int rw)
{
	struct region *r = &regions[ridx];
	__u64 uaddr = (uintptr_t)checker_buf;
	struct pin_longterm_test args;
	unsigned long words = page_size / sizeof(uint64_t);
	bool expect_pin;
	int tries, t, err = 0;
	long bad;

	expect_pin = is_allowed(r->kind) ||
		     (is_restricted(r->kind) && (!rw || opt.unrestricted));
	tries = (m == M_FAST_ONLY && expect_pin) ? FAST_ONLY_TRIES : 1;

	memset(&args, 0, sizeof(args));
	args.addr = (uintptr_t)r->addr;
	args.size = REGION_SIZE;
	args.flags = method_flags[m] | (rw ? PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0);

	for (t = 0; t < tries; t++) {
		if (t) {
			/* Let migration/collapse/split finish, refault. */
			usleep(1000);
			guarded(fill_pattern_fn, r);
		}
		err = pin_start(checker_fd, &args);
		if (!err)
			break;
	}
	count_pin(&quiet_st, ridx, m, rw, err);

	if (!err) {
		if (t)
			quiet_transient[ridx][rw]++;
		if (ioctl(checker_fd, PIN_LONGTERM_TEST_READ, &uaddr)) {
			violation(INV_C, "quiet: READ after %s %s pin of %s failed: %s",
				  method_name[m], rw ? "R/W" : "R/O", r->name,
				  errname(errno));
		} else if (memcmp(checker_buf, r->addr, REGION_SIZE)) {
			/*
			 * Nothing writes the region in a quiet check, so the
			 * mapping still holds the pattern (quiet_check()
			 * verifies that once per region): a cheaper compare.
			 */
			bad = first_difference(checker_buf, r->addr);
			violation(INV_C, "quiet: %s %s pin of %s: READ page %lu word %lu is %#" PRIx64 ", mapped %#" PRIx64 ", pattern %#" PRIx64,
				  method_name[m], rw ? "R/W" : "R/O", r->name,
				  bad / words, bad % words,
				  ((uint64_t *)checker_buf)[bad],
				  ((uint64_t *)r->addr)[bad],
				  pattern(r->gen, ridx, bad / words,
					  bad % words));
		}
		if (ioctl(checker_fd, PIN_LONGTERM_TEST_STOP))
			stop_failures++;
	}

	if (is_allowed(r->kind) && !err) {
		quiet_pinned[ridx]++;
	} else if (is_allowed(r->kind)) {
		/* -f: any errno may be an injected failure */
		if (!opt.fault_interval)
			violation(INV_B, "quiet: %s %s pin of whole %s failed: %s (%d tries)",
				  method_name[m], rw ? "R/W" : "R/O", r->name,
				  errname(err), tries);
	} else if (is_restricted(r->kind)) {
		if (!rw) {
			if (err)
				quiet_ro_fail[ridx]++;
		} else if (opt.unrestricted) {
			if (err)
				neg_fail[ridx][m]++;
			else
				neg_ok[ridx][m]++;
		} else if (!err) {
			violation(INV_A, "quiet: %s R/W pin of whole %s succeeded",
				  method_name[m], r->name);
		} else if (err != EFAULT && !opt.fault_interval) {
			violation(INV_A, "quiet: %s R/W pin of whole %s failed with %s, not EFAULT",
				  method_name[m], r->name, errname(err));
		}
	}
}

/*
 * Stop the mutators (the pinners keep running), re-establish every region
 * with a fresh pattern, and pin every whole region by every method.
 */
static double quiet_check(void)
{
	unsigned long words = page_size / sizeof(uint64_t);
	double t0, d;
	int i, m, rw, err;
	long bad;

	pthread_rwlock_wrlock(&quiesce);
	t0 = now();
	quiet_rounds++;
	quiet_gen++;
	for (i = 0; i < nr_regions; i++) {
		struct region *r = &regions[i];

		err = establish(r);
		r->ready = !err;
		if (err) {
			quiet_not_ready[i]++;
			if (is_allowed(r->kind))
				violation(INV_B, "quiet: cannot re-establish %s: %s",
					  r->name, errname(-err));
		}
	}
	for (i = 0; i < nr_regions; i++) {
		if (!regions[i].ready)
			continue;
		for (rw = 0; rw < 2; rw++)
			for (m = 0; m < nr_methods; m++)
				quiet_pin(i, m, rw);
		bad = verify_pattern(&regions[i], regions[i].addr);
		if (bad >= 0)
			violation(INV_C, "quiet: mapping of %s changed: page %lu word %lu is %#" PRIx64 ", pattern %#" PRIx64,
				  regions[i].name, bad / words, bad % words,
				  ((uint64_t *)regions[i].addr)[bad],
				  pattern(regions[i].gen, i, bad / words,
					  bad % words));
	}
	d = now() - t0;
	pthread_rwlock_unlock(&quiesce);
	quiet_time += d;
	if (d > quiet_max)
		quiet_max = d;
	return d;
}

static struct region *add_region(enum kind kind, int fd, const char *where)
{
	struct region *r;

	if (nr_regions >= MAX_REGIONS)
		ksft_exit_fail_msg("too many regions\n");
	r = &regions[nr_regions];
	r->kind = kind;
	r->fd = fd;
	r->addr = arena + nr_regions * SLOT_SIZE + REGION_SIZE;
	r->spare = r->addr + 2 * REGION_SIZE;
	if (where)
		snprintf(r->name, sizeof(r->name), "%s:%s", kind_name[kind],
			 where);
	else
		snprintf(r->name, sizeof(r->name), "%s", kind_name[kind]);
	pthread_mutex_init(&r->lock, NULL);
	nr_regions++;
	if (is_restricted(kind))
		nr_restricted++;
	return r;
}

static void reserve_arena(void)
{
	size_t len = MAX_REGIONS * SLOT_SIZE + REGION_SIZE;
	unsigned long base;
	void *p;

	/*
	 * Far below mmap_base: the top-down allocator never puts anything
	 * into the holes that munmap/mremap briefly leave at a region.
	 */
	for (base = ARENA_BASE; base < ARENA_BASE * 6; base += ARENA_BASE) {
		p = mmap((void *)base, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE, -1, 0);
		if (p == (void *)base) {
			arena = p;
			return;
		}
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	ksft_exit_fail_msg("cannot reserve the address range for the regions\n");
}

static long read_long_file(const char *path)
{
	char buf[64] = "";
	long val = -1;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0)
		val = strtol(buf, NULL, 10);
	return val;
}

static void skip_region(const char *fmt, ...)
{
	va_list ap;

	if (nr_skips >= MAX_REGIONS)
		return;
	va_start(ap, fmt);
	vsnprintf(skips[nr_skips++], sizeof(skips[0]), fmt, ap);
	va_end(ap);
}

/* Give a hugetlb file its page; a reason to skip it if impossible. */
static const char *hugetlb_setup_file(int fd)
{
	long free_pages = read_long_file(HUGE_FREE_FILE);

	if (free_pages < 0)
		return "no 2 MiB hugetlb pool (" HUGE_FREE_FILE " missing)";
	if (free_pages == 0)
		return "no free 2 MiB huge pages (set vm.nr_hugepages)";
	if (ftruncate(fd, REGION_SIZE) || fallocate(fd, 0, 0, REGION_SIZE))
		return "cannot allocate a 2 MiB huge page";
	ksft_print_msg("hugetlb: %ld free 2 MiB huge pages\n", free_pages);
	return NULL;
}

static void setup_dir(const char *dir, int idx)
{
	const char *why;
	struct statfs sfs;
	char path[4096];
	enum kind kind;
	int fd;

	snprintf(path, sizeof(path), "%s/gup_race.%d.%d", dir, (int)getpid(),
		 idx);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		ksft_exit_fail_msg("open(%s): %s\n", path, strerror(errno));
	unlink(path);
	if (fstatfs(fd, &sfs))
		ksft_exit_fail_msg("fstatfs(%s): %s\n", dir, strerror(errno));

	switch ((unsigned long)sfs.f_type) {
	case EXT4_SUPER_MAGIC:
		kind = K_EXT4;
		break;
	case XFS_SUPER_MAGIC:
		kind = K_XFS;
		break;
	case TMPFS_MAGIC:
		kind = K_TMPFS;
		break;
	case HUGETLBFS_MAGIC:
		if ((unsigned long)sfs.f_bsize != REGION_SIZE) {
			skip_region("hugetlbfs region on %s: page size %lu KiB, not 2 MiB",
				    dir, (unsigned long)sfs.f_bsize >> 10);
			close(fd);
			return;
		}
		why = hugetlb_setup_file(fd);
		if (why) {
			skip_region("hugetlb region on %s: %s", dir, why);
			close(fd);
			return;
		}
		add_region(K_HUGETLB, fd, dir);
		return;
	default:
		ksft_print_msg("%s: file system type %#lx is neither ext4, xfs nor tmpfs: pins counted, not checked\n",
			       dir, (unsigned long)sfs.f_type);
		kind = K_OTHERFS;
		break;
	}
	if (ftruncate(fd, REGION_SIZE))
		ksft_exit_fail_msg("ftruncate(%s): %s\n", path,
				   strerror(errno));
	add_region(kind, fd, dir);
}

static void setup_regions(void)
{
	const char *why;
	int i, fd;

	reserve_arena();
	for (i = 0; i < opt.nr_dirs; i++)
		setup_dir(opt.dirs[i], i);
	fd = memfd_create("gup_race", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, REGION_SIZE))
		ksft_exit_fail_msg("memfd: %s\n", strerror(errno));
	add_region(K_MEMFD, fd, NULL);
	add_region(K_ANON, -1, NULL);
	add_region(K_THP, -1, NULL);

	fd = memfd_create("gup_race_hugetlb",
			  MFD_HUGETLB | MFD_HUGE_2MB | MFD_CLOEXEC);
	if (fd < 0) {
		skip_region("hugetlb region: memfd_create(MFD_HUGETLB): %s",
			    strerror(errno));
	} else {
		why = hugetlb_setup_file(fd);
		if (why) {
			skip_region("hugetlb region: %s", why);
			close(fd);
		} else {
			add_region(K_HUGETLB, fd, NULL);
		}
	}

	for (i = 0; i < nr_regions; i++) {
		struct region *r = &regions[i];
		int err = map_region(r);

		if (err)
			ksft_exit_fail_msg("mmap %s: %s\n", r->name,
					   strerror(-err));
		if (guarded(fill_pattern_fn, r))
			ksft_exit_fail_msg("cannot write %s\n", r->name);
		ksft_print_msg("region %-2d %-24s at %p (mremap spare %p)\n",
			       i, r->name, r->addr, r->spare);
	}
}

/* Probe PIN_LONGTERM_TEST_*: skip (never pass) when they are missing. */
static void probe_gup_test(void)
{
	struct pin_longterm_test args;
	__u64 uaddr;
	char *page, *buf;
	int fd;

	fd = open_gup_test();
	if (fd < 0 && errno == ENOENT &&
	    !mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		fd = open_gup_test();
	if (fd < 0)
		ksft_exit_skip("cannot open %s: %s (needs CONFIG_GUP_TEST, debugfs and root)\n",
			       GUP_TEST_FILE, strerror(errno));

	page = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	buf = page + page_size;
	memset(page, 0x5a, page_size);
	uaddr = (uintptr_t)buf;

	memset(&args, 0, sizeof(args));
	args.addr = (uintptr_t)page;
	args.size = page_size;
	args.flags = 0;
	if (ioctl(fd, PIN_LONGTERM_TEST_START, &args)) {
		if (errno == EINVAL || errno == ENOTTY)
			ksft_exit_skip("PIN_LONGTERM_TEST_START not supported by this kernel's gup_test (%s)\n",
				       strerror(errno));
		ksft_exit_fail_msg("probe: PIN_LONGTERM_TEST_START of an anonymous page: %s\n",
				   strerror(errno));
	}
	if (ioctl(fd, PIN_LONGTERM_TEST_READ, &uaddr)) {
		if (errno == EINVAL || errno == ENOTTY)
			ksft_exit_skip("PIN_LONGTERM_TEST_READ not supported (%s)\n",
				       strerror(errno));
		ksft_exit_fail_msg("probe: PIN_LONGTERM_TEST_READ: %s\n",
				   strerror(errno));
	}
	if (memcmp(page, buf, page_size))
		ksft_exit_fail_msg("probe: PIN_LONGTERM_TEST_READ returned wrong data\n");
	if (ioctl(fd, PIN_LONGTERM_TEST_STOP)) {
		if (errno == EINVAL || errno == ENOTTY)
			ksft_exit_skip("PIN_LONGTERM_TEST_STOP not supported (%s)\n",
				       strerror(errno));
		ksft_exit_fail_msg("probe: PIN_LONGTERM_TEST_STOP: %s\n",
				   strerror(errno));
	}

	args.flags = PIN_LONGTERM_TEST_FLAG_USE_FAST_ONLY;
	if (ioctl(fd, PIN_LONGTERM_TEST_START, &args) && errno == EINVAL) {
		args.flags |= PIN_LONGTERM_TEST_FLAG_USE_FAST;
		if (ioctl(fd, PIN_LONGTERM_TEST_START, &args)) {
			ksft_print_msg("PIN_LONGTERM_TEST_FLAG_USE_FAST_ONLY not supported: testing slow and fast GUP only\n");
			nr_methods = M_FAST_ONLY;
		} else {
			method_flags[M_FAST_ONLY] = args.flags;
		}
	}
	ioctl(fd, PIN_LONGTERM_TEST_STOP);
	close(fd);
	munmap(page, 2 * page_size);
}

static void print_stats(const char *title, struct pin_stats *st, bool quiet)
{
	int i, m, rw, e;

	ksft_print_msg("%s\n", title);
	ksft_print_msg("  %-24s %-9s %-3s %10s %10s %8s%s\n", "region",
		       "method", "rw", "pinned", "EFAULT", "other",
		       quiet ? "  transient" : "");
	for (i = 0; i < nr_regions; i++) {
		for (rw = 1; rw >= 0; rw--) {
			for (m = 0; m < nr_methods; m++) {
				unsigned long *o = st->out[i][m][rw];
				char extra[32] = "";

				if (quiet && m == M_FAST_ONLY)
					snprintf(extra, sizeof(extra),
						 "  %9lu",
						 quiet_transient[i][rw]);
				ksft_print_msg("  %-24s %-9s %-3s %10lu %10lu %8lu%s\n",
					       regions[i].name, method_name[m],
					       rw ? "R/W" : "R/O", o[O_PINNED],
					       o[O_EFAULT], o[O_OTHER], extra);
			}
		}
		for (e = 0; e < NR_ERRNO; e++)
			if (st->err[i][e])
				ksft_print_msg("  %-24s other errno %s: %lu\n",
					       regions[i].name,
					       e ? errname(e) : "(>= 256)",
					       st->err[i][e]);
	}
}

/*
 * Show that the huge regions really are huge: the PMD-mapped amounts from
 * /proc/self/smaps (whose VMAs lie in a region), per region.
 */
static void print_smaps(const char *when)
{
	static const char * const keys[] = {
		"Rss", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
		"Shared_Hugetlb", "Private_Hugetlb",
	};
	unsigned long kb[MAX_REGIONS][ARRAY_SIZE(keys)];
	unsigned long start, end, val;
	char line[512], key[64], out[256];
	int cur = -1, i, k, len;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return;
	memset(kb, 0, sizeof(kb));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			cur = -1;
			for (i = 0; i < nr_regions; i++)
				if (start >= (uintptr_t)regions[i].addr &&
				    start < (uintptr_t)regions[i].addr +
					    REGION_SIZE)
					cur = i;
			continue;
		}
		if (cur < 0 || sscanf(line, "%63[^:]: %lu kB", key, &val) != 2)
			continue;
		for (k = 0; k < (int)ARRAY_SIZE(keys); k++)
			if (!strcmp(key, keys[k]))
				kb[cur][k] += val;
	}
	fclose(f);
	ksft_print_msg("smaps %s (kB):\n", when);
	for (i = 0; i < nr_regions; i++) {
		len = 0;
		out[0] = '\0';
		for (k = 0; k < (int)ARRAY_SIZE(keys); k++)
			if (kb[i][k] && len < (int)sizeof(out))
				len += snprintf(out + len, sizeof(out) - len,
						" %s %lu", keys[k], kb[i][k]);
		ksft_print_msg("  %-24s%s\n", regions[i].name, out);
	}
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n] [-t SECONDS] [-i MAX_ITERATIONS] [-f N] [-s SEED] [-d DIR]...\n"
		"  -n  kernel without the restriction (negative control)\n"
		"  -t  run time in seconds (default 20)\n"
		"  -i  stop after this many pin iterations (default: no limit)\n"
		"  -d  directory for a shared file region (ext4, xfs, tmpfs)\n"
		"  -f  inject a failure into every Nth allocation or user copy of the pins\n"
		"  -s  seed of the test's random choices (default: time and pid)\n",
		prog);
	exit(KSFT_FAIL);
}

static void parse_args(int argc, char **argv)
{
	char *end;
	int c;

	while ((c = getopt(argc, argv, "nt:i:d:f:s:h")) != -1) {
		switch (c) {
		case 'n':
			opt.unrestricted = true;
			break;
		case 't':
			opt.runtime = strtod(optarg, &end);
			if (*end || opt.runtime <= 0 || opt.runtime > 86400)
				usage(argv[0]);
			break;
		case 'i':
			opt.max_iter = strtoul(optarg, &end, 0);
			if (*end || !opt.max_iter)
				usage(argv[0]);
			break;
		case 'f':
			opt.fault_interval = strtoul(optarg, &end, 0);
			if (*end || opt.fault_interval < 2)
				usage(argv[0]);
			break;
		case 's':
			opt.seed = strtoull(optarg, &end, 0);
			opt.seeded = true;
			if (*end)
				usage(argv[0]);
			break;
		case 'd':
			if (opt.nr_dirs >= MAX_DIRS)
				usage(argv[0]);
			opt.dirs[opt.nr_dirs++] = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fault_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_handler = alarm_handler;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
}

int main(int argc, char **argv)
{
	unsigned long long acq0 = 0, rel0 = 0, acq1 = 0, rel1 = 0;
	unsigned long iterations = 0, transient;
	double start, deadline, next_quiet, elapsed, t;
	pthread_rwlockattr_t rwattr;
	bool counters_ok, d_ok, neg_seen;
	struct utsname uts;
	char thp[128] = "?";
	int i, m, err, tries, fd;
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	page_size = sysconf(_SC_PAGESIZE);
	region_pages = REGION_SIZE / page_size;
	main_pid = getpid();
	install_handlers();
	alarm((unsigned int)opt.runtime + ALARM_SLACK);

	ksft_print_header();
	uname(&uts);
	fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, thp, sizeof(thp) - 1);
		thp[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	ksft_print_msg("gup_race on %s %s: %s kernel, run time %.1f s, max iterations %lu, THP %s\n",
		       uts.release, uts.machine,
		       opt.unrestricted ? "unrestricted (-n, negative control)" :
		       "restricted", opt.runtime, opt.max_iter, thp);
	if (opt.fault_interval || opt.seeded)
		ksft_print_msg("faults injected into every %u-th allocation or user copy of a pin%s; seed %s\n",
			       opt.fault_interval, opt.fault_interval ? "" : " (no: -f not given)",
			       opt.seeded ? "fixed (-s)" : "from time and pid");

	probe_gup_test();
	/* Bit 4: no "drop_caches: N" printk for each of our writes. */
	write_proc("/proc/sys/vm/drop_caches", "4");
	setup_regions();
	if (!nr_restricted)
		ksft_print_msg("no ext4/xfs directory given (-d): nothing to check for invariant A\n");

	ksft_set_plan(4 + !!opt.fault_interval + nr_skips);
	for (i = 0; i < nr_skips; i++)
		result_skip("region", skips[i]);

	counters_ok = !read_pin_counters(&acq0, &rel0);
	if (counters_ok)
		ksft_print_msg("before: nr_foll_pin_acquired %llu nr_foll_pin_released %llu\n",
			       acq0, rel0);
	else
		ksft_print_msg("before: nr_foll_pin_* not found in /proc/vmstat\n");

	checker_fd = open_gup_test();
	checker_buf = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (checker_fd < 0 || checker_buf == MAP_FAILED)
		ksft_exit_fail_msg("checker setup: %s\n", strerror(errno));

	pthread_rwlockattr_init(&rwattr);
	pthread_rwlockattr_setkind_np(&rwattr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&quiesce, &rwattr);

	if (opt.fault_interval)
		faults_setup();
	/* One quiet check before any mutation: the baseline. */
	quiet_check();
	print_smaps("after setup");

	for (i = 0; i < NR_PINNERS; i++) {
		struct pinner *p = &pinners[i];

		p->id = i;
		p->rng = seed_for(i);
		p->fd = open_gup_test();
		p->buf = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p->fd < 0 || p->buf == MAP_FAILED)
			ksft_exit_fail_msg("pinner setup: %s\n", strerror(errno));
	}
	for (i = 0; i < NR_MUTATORS; i++) {
		mutators[i].id = i;
		mutators[i].rng = seed_for(100 + i);
	}

	start = now();
	deadline = start + opt.runtime;
	for (i = 0; i < NR_PINNERS; i++) {
		err = pthread_create(&pinners[i].thread, NULL, pinner_fn,
				     &pinners[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	for (i = 0; i < NR_MUTATORS; i++) {
		err = pthread_create(&mutators[i].thread, NULL, mutator_fn,
				     &mutators[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}

	/*
	 * Every ~200 ms, but mutate at least twice as long as the last quiet
	 * check took (which matters on slow, emulated machines).
	 */
	next_quiet = start + QUIET_INTERVAL_MS / 1000.0;
	for (;;) {
		t = now();
		if (t >= deadline ||
		    __atomic_load_n(&pinners_done, __ATOMIC_RELAXED) == NR_PINNERS)
			break;
		if (t >= next_quiet) {
			t = 2 * quiet_check();
			if (t < QUIET_INTERVAL_MS / 1000.0)
				t = QUIET_INTERVAL_MS / 1000.0;
			next_quiet = now() + t;
			continue;
		}
		t = next_quiet - t;
		if (deadline - now() < t)
			t = deadline - now();
		if (t > 0.01)
			t = 0.01;
		if (t > 0)
			usleep(t * 1e6);
	}

	__atomic_store_n(&stop_mutators, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NR_MUTATORS; i++)
		pthread_join(mutators[i].thread, NULL);
	/* Final quiet check: the pinners (if not done yet) still run. */
	quiet_check();
	print_smaps("at the end");
	__atomic_store_n(&stop_pinners, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NR_PINNERS; i++) {
		pthread_join(pinners[i].thread, NULL);
		iterations += pinners[i].iterations;
	}
	elapsed = 0;
	for (i = 0; i < NR_PINNERS; i++) {
		if (pinners[i].end - start > elapsed)
			elapsed = pinners[i].end - start;
		if (pinners[i].fd >= 0)
			close(pinners[i].fd);
	}
	close(checker_fd);
	if (opt.fault_interval)
		faults_end();

	for (i = 1; i < NR_PINNERS; i++)
		add_stats(&pinners[0].st, &pinners[i].st);

	ksft_print_msg("iterations: %lu in %.2f s, %.0f/s (%d pinners, %d mutators)\n",
		       iterations, elapsed, iterations / elapsed, NR_PINNERS,
		       NR_MUTATORS);
	ksft_print_msg("quiet checks: %lu, %.1f ms on average, %.1f ms at most\n",
		       quiet_rounds, quiet_time * 1000 / quiet_rounds,
		       quiet_max * 1000);
	print_stats("pins racing with mutations:", &pinners[0].st, false);
	print_stats("pins in quiet checks (transient: fast-only needed a retry):",
		    &quiet_st, true);
	for (i = 0; i < nr_regions; i++) {
		if (quiet_not_ready[i])
			ksft_print_msg("%s: not re-established in %lu quiet checks\n",
				       regions[i].name, quiet_not_ready[i]);
		if (quiet_ro_fail[i])
			ksft_print_msg("NOTE: %s: R/O pins failed %lu times in quiet checks\n",
				       regions[i].name, quiet_ro_fail[i]);
		for (m = 0; m < nr_methods; m++)
			if (neg_fail[i][m])
				ksft_print_msg("NOTE: %s: %s R/W pins failed %lu times in quiet checks (-n)\n",
					       regions[i].name, method_name[m],
					       neg_fail[i][m]);
	}
	ksft_print_msg("mutations (done / failed, last errno):\n");
	for (i = 0; i < NR_MUT_OPS; i++) {
		char last[128] = "";

		if (mut_fail[i])
			snprintf(last, sizeof(last), "%s%s%s",
				 errname(mut_last_err[i]),
				 i < NR_REGION_OPS ? " on " : "",
				 i < NR_REGION_OPS ?
				 regions[mut_last_region[i]].name : "");
		ksft_print_msg("  %-26s %8lu / %-6lu %s\n", mut_name[i],
			       mut_done[i], mut_fail[i], last);
	}
	if (stop_failures || reopen_failures)
		ksft_print_msg("PIN_LONGTERM_TEST_STOP failed %lu times, reopen failed %lu times\n",
			       stop_failures, reopen_failures);

	d_ok = false;
	if (counters_ok) {
		for (tries = 0; tries < 10; tries++) {
			if (read_pin_counters(&acq1, &rel1))
				break;
			if (acq1 - acq0 == rel1 - rel0)
				break;
			usleep(200 * 1000);
		}
		ksft_print_msg("after: nr_foll_pin_acquired %llu nr_foll_pin_released %llu (deltas %llu / %llu)\n",
			       acq1, rel1, acq1 - acq0, rel1 - rel0);
		d_ok = acq1 - acq0 == rel1 - rel0 && !stop_failures &&
		       !reopen_failures;
	}

	/*
	 * One result per invariant, described the same way on every kernel, so
	 * that runs on the restricted kernel and on the negative control line
	 * up; the counts go to diagnostics, the outcome of A to "# outcome:".
	 */
	if (!nr_restricted) {
		result_skip(DESC_A, "no ext4/xfs -d DIR");
	} else if (opt.unrestricted) {
		neg_seen = true;
		for (i = 0; i < nr_regions; i++) {
			if (!is_restricted(regions[i].kind))
				continue;
			for (m = 0; m < nr_methods; m++)
				if (!neg_ok[i][m]) {
					neg_seen = false;
					ksft_print_msg("negative control: %s %s R/W pin never succeeded\n",
						       regions[i].name,
						       method_name[m]);
				}
		}
		ksft_print_msg("outcome: %s\n", neg_seen ? "pinned" : "not-pinned");
		ksft_test_result(neg_seen, "%s\n", DESC_A);
	} else {
		ksft_print_msg("A: %lu violations\n", violations[INV_A]);
		ksft_print_msg("outcome: %s\n", violations[INV_A] ? "pinned" : "refused");
		ksft_test_result(!violations[INV_A], "%s\n", DESC_A);
	}
	for (i = 0, transient = 0; i < nr_regions; i++)
		transient += quiet_transient[i][0] + quiet_transient[i][1];
	for (i = 0; opt.fault_interval && i < nr_regions; i++)
		if (is_allowed(regions[i].kind) && !quiet_pinned[i])
			violation(INV_B, "-f: %s was never pinned in a quiet check",
				  regions[i].name);
	ksft_print_msg("B: %lu violations, %lu transient fast-only failures\n",
		       violations[INV_B], transient);
	ksft_test_result(!violations[INV_B], "%s\n", DESC_B);
	ksft_print_msg("C: %lu violations\n", violations[INV_C]);
	ksft_test_result(!violations[INV_C], "%s\n", DESC_C);
	if (!counters_ok)
		result_skip(DESC_D, "counters not in /proc/vmstat");
	else
		ksft_test_result(d_ok, "%s\n", DESC_D);
	if (opt.fault_interval) {
		long total = 0;

		for (i = 0; i < (int)NR_FAULT_ATTRS; i++) {
			ksft_print_msg("faults injected: %s %ld\n",
				       fault_attrs[i], fault_injected[i]);
			total += fault_injected[i];
		}
		ksft_test_result(total > 0, "%s\n", DESC_E);
	}
	ksft_finished();
	return 0;
}
