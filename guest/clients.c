// SPDX-License-Identifier: GPL-2.0-only
/*
 * clients - the real long-term pin users of Linux 6.1 through the series.
 *
 * Each client pins a 2 MiB region of each backing store for DMA the way a
 * user of it would, then tears the pin down before the next:
 *
 *  rdma rxe    ibv_reg_mr() on soft-RoCE: ib_umem_get() (umem.c) pins with
 *              pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM), GUP-fast.
 *  rdma siw    ibv_reg_mr() on soft-iWARP: siw_umem_get() (siw_mem.c) pins
 *              with pin_user_pages(FOLL_WRITE | FOLL_LONGTERM), the slow path.
 *  vfio type1  VFIO_IOMMU_MAP_DMA of QEMU's edu device bound to vfio-pci:
 *              vaddr_get_pfns() (vfio_iommu_type1.c) pins with
 *              pin_user_pages_remote(FOLL_LONGTERM [| FOLL_WRITE]).
 *
 * Both RDMA drivers add FOLL_FORCE to FOLL_WRITE for a read-only registration
 * (6.1 has no reliable R/O long-term pin of a COW mapping without it; upstream
 * dropped FOLL_FORCE in 6.2 on top of that COW rework), so on 6.1 a read-only
 * registration of a shared ext4/xfs mapping is refused too. vfio asks for
 * FOLL_WRITE only for a writable map: read-only maps stay allowed.
 *
 * The RDMA devices are created here through RDMA netlink (RDMA_NLDEV_CMD_NEWLINK,
 * rxe0 and siw0 on dummy0); user space is libibverbs with the rxe and siw
 * providers linked in statically. The vfio device is the first PCI device
 * with QEMU's edu IDs (1234:11e8), bound to vfio-pci through driver_override.
 *
 * Every case checks, beyond the outcome: the /proc/vmstat FOLL_PIN counters
 * balance over the pin and its teardown, and a successful pin took at least
 * one pin per page; the backing file holds what the test wrote (through the
 * mapping when shared, by write() when private); an anon THP region is really
 * PMD-mapped. Options:
 *   -n      the kernel has no restriction (base, control): every pin succeeds
 *   -s      the kernel refuses on the slow path only (the series up to its
 *           slow-path patch): the GUP-fast client (rxe) still pins
 *   -d DIR  a directory on ext4 or xfs for the file-backed stores (repeat)
 * Output: TAP, a "# outcome:" line before each case and "# changed by the
 * series: yes" before each case whose expectation the restriction changes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/vfio.h>
#include <rdma/rdma_netlink.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <infiniband/verbs.h>
#include "kselftest.h"
#include "pin_counters.h"

#define REGION		(2UL << 20)	/* one PMD: THP and 2 MiB hugetlb */
#define PAGE		4096UL
#define NPAGES		(REGION / PAGE)
#define VFIO_IOVA	(1UL << 30)	/* clear of the IOMMU's reserved MSI window */

enum restriction { NONE, SLOW_ONLY, FULL };
static enum restriction restriction = FULL;

/* ---- backing stores ---------------------------------------------------- */

enum store_kind { ANON, ANON_THP, MEMFD, MEMFD_HUGETLB, FILE_SHARED, FILE_PRIVATE };

struct store {
	char name[64];
	enum store_kind kind;
	const char *dir;	/* FILE_*: where the file is made, on ext4 or xfs */
};

struct region {
	char *addr;
	void *raw;		/* what mmap() returned (ANON_THP aligns inside it) */
	size_t raw_len;
	int fd;
	char path[PATH_MAX];
};

static struct store stores[16];
static int nr_stores;

static void add_store(enum store_kind kind, const char *name)
{
	struct store *s = &stores[nr_stores++];

	s->kind = kind;
	snprintf(s->name, sizeof(s->name), "%s", name);
}

/* The file system of dir: ext4 or xfs, the file systems with writeback the test is for. */
static const char *fs_name(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st))
		ksft_exit_fail_msg("statfs %s: %s\n", dir, strerror(errno));
	if (st.f_type == EXT4_SUPER_MAGIC)
		return "ext4";
	if (st.f_type == XFS_SUPER_MAGIC)
		return "xfs";
	ksft_exit_fail_msg("%s is neither ext4 nor xfs (f_type 0x%lx)\n", dir, (long)st.f_type);
	return NULL;
}

static void add_dir(const char *dir)
{
	const char *fs = fs_name(dir);
	char name[64];
	int k;

	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "%s file %s", fs, k ? "private" : "shared");
		add_store(k ? FILE_PRIVATE : FILE_SHARED, name);
		stores[nr_stores - 1].dir = dir;
	}
}

static void fill(char *p, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		memset(p + i, seed + (char)(i / PAGE), PAGE);
}

static bool holds(const char *p, size_t len, char seed)
{
	size_t i, j;

	for (i = 0; i < len; i += PAGE)
		for (j = 0; j < PAGE; j++)
			if (p[i + j] != (char)(seed + (char)(i / PAGE)))
				return false;
	return true;
}

/* The kB of field (e.g. "AnonHugePages:") in the smaps entry of the VMA at addr. */
static long smaps_kb(const void *addr, const char *field)
{
	char line[256], want[32];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		/* a VMA's line starts with its address in lower-case hex, a field with a capital */
		if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
			in = !strncmp(line, want, strlen(want));
		else if (in && !strncmp(line, field, strlen(field)))
			kb = strtol(line + strlen(field), NULL, 10);
	}
	fclose(f);
	return kb;
}

/* Map a region of the store, filled with pattern 'B' through the mapping (every page
 * present and, where writable, write-enabled in the page table). */
static const char *region_make(const struct store *s, struct region *r)
{
	static char why[128];
	int flags = MAP_SHARED;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	switch (s->kind) {
	case ANON:
	case ANON_THP:
		r->raw_len = 2 * REGION;	/* room to align the region to a PMD */
		r->raw = mmap(NULL, r->raw_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r->raw == MAP_FAILED)
			return "mmap anon";
		r->addr = (char *)(((unsigned long)r->raw + REGION - 1) & ~(REGION - 1));
		if (s->kind == ANON_THP && madvise(r->addr, REGION, MADV_HUGEPAGE))
			return "MADV_HUGEPAGE";
		fill(r->addr, REGION, 'B');
		if (s->kind == ANON_THP && smaps_kb(r->addr, "AnonHugePages:") < 2048) {
			snprintf(why, sizeof(why), "no THP (AnonHugePages %ld kB)",
				 smaps_kb(r->addr, "AnonHugePages:"));
			return why;
		}
		return NULL;
	case MEMFD:
	case MEMFD_HUGETLB:
		r->fd = memfd_create("clients", s->kind == MEMFD_HUGETLB ? MFD_HUGETLB : 0);
		if (r->fd < 0)
			return "memfd_create";
		break;
	case FILE_PRIVATE:
		flags = MAP_PRIVATE;
		/* fall through */
	case FILE_SHARED: {
		char *a = malloc(REGION);

		snprintf(r->path, sizeof(r->path), "%s/clients.dat", s->dir);
		r->fd = open(r->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (r->fd < 0 || !a)
			return "open";
		fill(a, REGION, 'A');
		if (pwrite(r->fd, a, REGION, 0) != (ssize_t)REGION || fsync(r->fd)) {
			free(a);
			return "write";
		}
		free(a);
		break;
	}
	}
	if (ftruncate(r->fd, REGION))
		return "ftruncate";
	r->raw_len = REGION;
	r->raw = mmap(NULL, REGION, PROT_READ | PROT_WRITE, flags, r->fd, 0);
	if (r->raw == MAP_FAILED)
		return "mmap";
	r->addr = r->raw;
	fill(r->addr, REGION, 'B');
	return NULL;
}

/* Unmap; for a file, check it holds what the test wrote: 'B' (through the shared mapping)
 * or 'A' (written, then only COW copies changed). */
static bool region_free(const struct store *s, struct region *r)
{
	bool ok = true;

	if (r->raw && r->raw != MAP_FAILED)
		munmap(r->raw, r->raw_len);
	if (r->path[0] && r->fd >= 0) {
		char *a = malloc(REGION);

		ok = a && pread(r->fd, a, REGION, 0) == (ssize_t)REGION &&
		     holds(a, REGION, s->kind == FILE_SHARED ? 'B' : 'A');
		if (!ok)
			ksft_print_msg("%s: the file does not hold what the test wrote\n", s->name);
		free(a);
		unlink(r->path);
	}
	if (r->fd >= 0)
		close(r->fd);
	return ok;
}

/* ---- clients ----------------------------------------------------------- */

struct client {
	const char *name;
	bool fast;		/* pins with GUP-fast first (pin_user_pages_fast()) */
	bool ro_writes;		/* a read-only pin still asks for FOLL_WRITE (| FOLL_FORCE) */
	const char *(*setup)(struct client *c);
	int (*pin)(struct client *c, void *addr, size_t len, bool write);	/* 0 or -errno */
	void (*unpin)(struct client *c);
	/* state */
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	int container, group;
	void *mapped;
};

static const char *nl_newlink(const char *dev, const char *type, const char *ndev)
{
	static char why[128];
	struct {
		struct nlmsghdr nh;
		char attrs[256];
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
		char rest[256];
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	const char *val[] = { dev, type, ndev };
	const int attr[] = { RDMA_NLDEV_ATTR_DEV_NAME, RDMA_NLDEV_ATTR_LINK_TYPE,
			     RDMA_NLDEV_ATTR_NDEV_NAME };
	int sock, i, len = NLMSG_HDRLEN;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	for (i = 0; i < 3; i++) {
		struct nlattr *a = (struct nlattr *)((char *)&req + len);

		a->nla_type = attr[i];
		a->nla_len = NLA_HDRLEN + strlen(val[i]) + 1;
		memcpy((char *)a + NLA_HDRLEN, val[i], strlen(val[i]) + 1);
		len += NLA_ALIGN(a->nla_len);
	}
	req.nh.nlmsg_len = len;
	req.nh.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_NEWLINK);
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (sock < 0)
		return "socket(NETLINK_RDMA)";
	if (sendto(sock, &req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != len) {
		close(sock);
		return "sendto(RDMA_NLDEV_CMD_NEWLINK)";
	}
	n = recv(sock, &ack, sizeof(ack), 0);
	close(sock);
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(ack.err)) || ack.nh.nlmsg_type != NLMSG_ERROR)
		return "no netlink ack";
	if (ack.err.error) {
		snprintf(why, sizeof(why), "RDMA_NLDEV_CMD_NEWLINK %s %s on %s: %s", type, dev, ndev,
			 strerror(-ack.err.error));
		return why;
	}
	return NULL;
}

static const char *netdev_up(const char *ndev)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (s < 0)
		return "socket(AF_INET)";
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ndev);
	ret = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret ? "dummy0 cannot be brought up (CONFIG_DUMMY?)" : NULL;
}

static const char *rdma_setup(struct client *c)
{
	const char *dev = !strcmp(c->name, "rdma rxe") ? "rxe0" : "siw0";
	struct ibv_device **list;
	const char *why;
	int i, n;

	why = netdev_up("dummy0");
	if (why)
		return why;
	why = nl_newlink(dev, dev[0] == 'r' ? "rxe" : "siw", "dummy0");
	if (why)
		return why;
	list = ibv_get_device_list(&n);
	if (!list)
		return "ibv_get_device_list";
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			c->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!c->ctx)
		return "ibv_open_device: the device is not in libibverbs' list";
	c->pd = ibv_alloc_pd(c->ctx);
	return c->pd ? NULL : "ibv_alloc_pd";
}

static int rdma_pin(struct client *c, void *addr, size_t len, bool write)
{
	int access = IBV_ACCESS_REMOTE_READ;

	if (write)
		access |= IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
	errno = 0;
	c->mr = ibv_reg_mr(c->pd, addr, len, access);
	return c->mr ? 0 : -(errno ? errno : EIO);
}

static void rdma_unpin(struct client *c)
{
	if (ibv_dereg_mr(c->mr))
		ksft_print_msg("ibv_dereg_mr: %s\n", strerror(errno));
	c->mr = NULL;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

/* Does /sys/bus/pci/devices/BDF/FIELD (vendor, device) start with want? */
static bool pci_id_is(const char *bdf, const char *field, const char *want)
{
	char path[PATH_MAX], id[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, field);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(id, sizeof(id), f))
		id[0] = 0;
	fclose(f);
	return !strncmp(id, want, strlen(want));
}

static const char *vfio_setup(struct client *c)
{
	static char why[PATH_MAX + 64];
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct dirent *e;
	const char *bdf = NULL;
	DIR *d = opendir("/sys/bus/pci/devices");
	ssize_t n;

	while (d && (e = readdir(d))) {
		if (pci_id_is(e->d_name, "vendor", "0x1234") && pci_id_is(e->d_name, "device", "0x11e8")) {
			bdf = strdup(e->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
	if (!bdf)
		return "no edu PCI device (1234:11e8): boot with VM_IOMMU=1";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (write_file(path, "vfio-pci"))
		return "driver_override";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (access(path, F_OK) && write_file("/sys/bus/pci/drivers_probe", bdf))
		return "drivers_probe: vfio-pci did not take the edu device";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return "the edu device has no IOMMU group (no intel-iommu, or intel_iommu=off?)";
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	c->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c->container < 0)
		return "open /dev/vfio/vfio";
	if (ioctl(c->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(c->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return "no VFIO_TYPE1v2_IOMMU";
	c->group = open(path, O_RDWR | O_CLOEXEC);
	if (c->group < 0) {
		snprintf(why, sizeof(why), "open %s: %s", path, strerror(errno));
		return why;
	}
	if (ioctl(c->group, VFIO_GROUP_GET_STATUS, &status) || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return "the edu device's IOMMU group is not viable";
	if (ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container) ||
	    ioctl(c->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		snprintf(why, sizeof(why), "VFIO_GROUP_SET_CONTAINER/VFIO_SET_IOMMU: %s", strerror(errno));
		return why;
	}
	ksft_print_msg("vfio: edu device %s, %s\n", bdf, path);
	return NULL;
}

static size_t vfio_len;

static int vfio_pin(struct client *c, void *addr, size_t len, bool write)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | (write ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (unsigned long)addr,
		.iova = VFIO_IOVA,
		.size = len,
	};

	if (ioctl(c->container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	vfio_len = len;
	return 0;
}

static void vfio_unpin(struct client *c)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = VFIO_IOVA, .size = vfio_len,
	};

	if (ioctl(c->container, VFIO_IOMMU_UNMAP_DMA, &unmap) || unmap.size != vfio_len)
		ksft_print_msg("VFIO_IOMMU_UNMAP_DMA: %s (unmapped %llu bytes)\n", strerror(errno),
			       (unsigned long long)unmap.size);
}

static struct client clients[] = {
	{ .name = "rdma rxe", .fast = true, .ro_writes = true,
	  .setup = rdma_setup, .pin = rdma_pin, .unpin = rdma_unpin },
	{ .name = "rdma siw", .fast = false, .ro_writes = true,
	  .setup = rdma_setup, .pin = rdma_pin, .unpin = rdma_unpin },
	{ .name = "vfio type1", .fast = false, .ro_writes = false,
	  .setup = vfio_setup, .pin = vfio_pin, .unpin = vfio_unpin },
};

/* ---- cases ------------------------------------------------------------- */

static const char *outcome_name(int ret)
{
	static char buf[32];

	switch (ret) {
	case 0: return "pinned";
	case -EFAULT: return "EFAULT";
	case -EPERM: return "EPERM";
	case -ENOMEM: return "ENOMEM";
	case -EINVAL: return "EINVAL";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -EIO: return "EIO";
	}
	snprintf(buf, sizeof(buf), "errno %d", -ret);
	return buf;
}

/* Would the restriction refuse this pin? (Its writes reach a file with writeback.) */
static bool hazard(const struct client *c, const struct store *s, bool write)
{
	return s->kind == FILE_SHARED && (write || c->ro_writes);
}

static bool expect_refused(const struct client *c, const struct store *s, bool write)
{
	if (!hazard(c, s, write) || restriction == NONE)
		return false;
	/* Slow path only: GUP-fast pins the prefaulted, write-enabled pages by itself. */
	return restriction == FULL || !c->fast;
}

static void run_case(struct client *c, const char *setup_err, const struct store *s, bool write)
{
	char name[128];
	unsigned long long a0 = 0, r0 = 0, a1 = 0, r1 = 0;
	struct region r;
	const char *err = setup_err;
	bool refused = expect_refused(c, s, write), ok = true;
	int ret = 0;

	snprintf(name, sizeof(name), "%s %s %s", c->name, write ? "R/W" : "R/O", s->name);
	if (hazard(c, s, write))
		ksft_print_msg("changed by the series: yes\n");
	if (err) {
		ksft_print_msg("%s: %s\n", c->name, err);
		ksft_print_msg("outcome: setup failed\n");
		ksft_test_result_fail("%s\n", name);
		return;
	}
	err = region_make(s, &r);
	if (!err && read_pin_counters(&a0, &r0))
		err = "nr_foll_pin_* not in /proc/vmstat";
	if (err) {
		ksft_print_msg("%s: %s: %s\n", s->name, err, strerror(errno));
		region_free(s, &r);
		ksft_print_msg("outcome: setup failed\n");
		ksft_test_result_fail("%s\n", name);
		return;
	}
	ret = c->pin(c, r.addr, REGION, write);
	if (!ret)
		c->unpin(c);
	if (read_pin_counters(&a1, &r1) || a1 - a0 != r1 - r0) {
		ksft_print_msg("pin counters do not balance: acquired +%llu, released +%llu\n",
			       a1 - a0, r1 - r0);
		ok = false;
	}
	if (!ret && a1 - a0 < NPAGES) {
		ksft_print_msg("pinned, but nr_foll_pin_acquired grew by %llu only (%lu pages)\n",
			       a1 - a0, NPAGES);
		ok = false;
	}
	ok &= region_free(s, &r);
	ksft_print_msg("outcome: %s\n", outcome_name(ret));
	if (refused ? ret != -EFAULT : ret != 0) {
		ksft_print_msg("expected: %s\n", refused ? "EFAULT" : "pinned");
		ok = false;
	}
	ksft_test_result(ok, "%s\n", name);
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int opt, i, j, k;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* nothing lost if a client crashes the test */
	add_store(ANON, "anon private");
	add_store(ANON_THP, "anon THP private");
	add_store(MEMFD, "memfd shared");
	add_store(MEMFD_HUGETLB, "memfd hugetlb 2048kB shared");
	while ((opt = getopt(argc, argv, "nsd:")) != -1) {
		switch (opt) {
		case 'n': restriction = NONE; break;
		case 's': restriction = SLOW_ONLY; break;
		case 'd': add_dir(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-n|-s] [-d DIR]...\n", argv[0]);
			return KSFT_FAIL;
		}
	}
	/* siw checks RLIMIT_MEMLOCK even for root (siw_reg_user_mr(), siw_umem_get()) */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		ksft_exit_fail_msg("setrlimit(RLIMIT_MEMLOCK): %s\n", strerror(errno));
	ksft_print_header();
	ksft_print_msg("kernel under test: %s\n", restriction == NONE ? "no restriction" :
		       restriction == SLOW_ONLY ? "restriction on the slow path only" :
		       "refuses long-term writable pins of files with writeback");
	ksft_set_plan(ARRAY_SIZE(clients) * nr_stores * 2);
	for (i = 0; i < (int)ARRAY_SIZE(clients); i++) {
		const char *err = clients[i].setup(&clients[i]);

		for (j = 0; j < nr_stores; j++)
			for (k = 1; k >= 0; k--)
				run_case(&clients[i], err, &stores[j], k);
	}
	ksft_finished();
}
