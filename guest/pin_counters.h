/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FOLL_PIN counters of /proc/vmstat, for the harness's guest programs (gup_race.c,
 * clients.c): nr_foll_pin_acquired and nr_foll_pin_released, after folding the per-cpu
 * deltas (vm.stat_refresh, vmstat_refresh()). 0, or -1 when they are not there.
 */
#ifndef GUEST_PIN_COUNTERS_H
#define GUEST_PIN_COUNTERS_H
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline int read_pin_counters(unsigned long long *acq, unsigned long long *rel)
{
	char name[64];
	unsigned long long val;
	int fd, found = 0;
	ssize_t w;
	FILE *f;

	/* Not fatal if it fails: unfolded deltas can only make the counters disagree. */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		w = write(fd, "1", 1);
		(void)w;
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %llu", name, &val) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired")) {
			*acq = val;
			found |= 1;
		} else if (!strcmp(name, "nr_foll_pin_released")) {
			*rel = val;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -1;
}
#endif
