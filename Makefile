# gup-longterm-6.1: refuse long-term writable pins of file-backed page cache on Linux 6.1.
#
#   make          build the base, control and patched kernels, boot each in QEMU, run the
#                 tests, print what the series changes side by side (the main job)
#   make check    everything `make` does, failing on any unexpected result, then the patch
#                 quality gate and the harness's own tests; ends with "N passed, N failed"
#
# Other verbs: setup, tree, kernels, bins, vm-test, table, export, gate, archs, series, distro,
# bench, soak, mutants, selftest, clean. See README.md.

SHELL := /bin/bash
BUILD ?= $(CURDIR)/build
export BUILD
KINDS ?= base control patched
TESTS ?=
S := scripts

.PHONY: all main check setup tree kernels bins vm-test table export gate archs series distro \
	bench soak mutants selftest clean

all main: setup
	@$(S)/main.sh

check: setup
	@$(S)/check.sh

setup:
	@$(S)/setup.sh

tree:
	@$(S)/base.sh

kernels: tree
	@$(S)/kernels.sh test

bins:
	@$(S)/bins.sh

# Boot the kernels named by KINDS with our tests (and any static binaries in TESTS).
vm-test:
	@$(S)/vm-test.sh $(KINDS)

table:
	@$(S)/table.py $(addprefix $(BUILD)/vm/,$(addsuffix /summary.json,$(KINDS)))
	@$(S)/matrix.py $(BUILD)/vm/matrix.png $(addprefix $(BUILD)/vm/,$(addsuffix /summary.json,$(KINDS)))

# Regenerate patches/ from the work tree's commits since 'base'.
export:
	@$(S)/export.sh

gate:
	@$(S)/gate.sh

# Debian's own 6.1 configs of amd64, arm64, ppc64el, s390x and i386: every patch step compiles
# the objects the series touches (W=1, sparse), and the kABI table. ARCHS="arm64 i386" for some.
archs: setup tree
	@$(S)/archs.sh $(ARCHS)

series:
	@$(S)/mail-series.sh

distro:
	@$(S)/distro.sh

bench: setup tree
	@$(S)/bench.sh

soak: setup tree
	@$(S)/soak.sh

# Deliberately broken variants of the series (mutants/): is each one caught? Writes the
# table to docs/mutants.md. MUTANTS="01 09" runs some; RACE_RUNS, RACE_SECONDS.
mutants: setup tree
	@$(S)/mutants.sh $(MUTANTS)
	@cp $(BUILD)/mutants/table.md docs/mutants.md

# The harness's own tests (no kernel build needed).
selftest:
	@$(S)/selftest.sh

clean:
	rm -rf $(BUILD)
