# labrun: build, test, check, demo, bench, install, fuzz.  GNU make;
# libraries through pkg-config.  `make check` rebuilds in build-check/ with
# AddressSanitizer, UndefinedBehaviorSanitizer and -Werror and runs every
# test against that build.  `make fuzz` (never part of test or check) runs
# the libFuzzer campaign: docs/testing.md, "Fuzzing".

B ?= build
PREFIX ?= /usr/local
PKGS := libseccomp lua5.4 libarchive jansson libsodium zlib
CC ?= cc

# Debian packages a fresh Debian 12 machine needs (make deps installs the
# missing ones): the build, the libraries, and the real third-party tools
# the tests run (minisign, bubblewrap, asciinema, tmux; python3 reads JSON
# and plays a host listener in tests; util-linux and bsdutils bring setpriv,
# ipcs and script; procps brings ps; nftables brings nft, which loads the
# network faults' rules; faketime brings libfaketime, the clock faults';
# openssh-server, openssh-client and sudo let tests/interop/0300 run the
# exam host recipe with Debian's own sshd, started by the test alone;
# slurmctld, slurmd, slurm-client and munge let tests/interop/0400 and the
# bench run recertification batches as a Slurm array on a one-node cluster
# the test starts and stops itself; groff-base brings groff, which checks
# and renders the generated labrun(1); shellinabox, nginx, fcgiwrap,
# chromium, curl and openssl let tests/interop/0500 run the web exam
# recipe, a web terminal and an evidence download behind TLS and a password
# per candidate, with headless Chromium as the candidate and a certificate
# the test makes; git lets tests/interop/0800 serve a bare repository
# guarded by the gate's pre-receive hook over that sshd; zlib1g-dev brings
# zlib, the reference implementation of GZIP, the compression W3C Bitstring
# Status Lists use).
DEB_PKGS := build-essential pkg-config libseccomp-dev liblua5.4-dev \
	libarchive-dev libjansson-dev libsodium-dev minisign bubblewrap \
	asciinema tmux python3 util-linux bsdutils procps nftables faketime \
	openssh-server openssh-client sudo slurmctld slurmd slurm-client munge \
	groff-base shellinabox nginx fcgiwrap chromium curl openssl git \
	zlib1g-dev

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# -lm: the statistics of labrun stats (runner/stats_calc.c)
# libarchive from its static archive (Debian's libarchive-dev has it):
# labrun uses its tar format alone, and the shared library brings in
# twenty more (libxml2, ICU, libstdc++, nettle, five compressors) that
# every process loads and maps: half of `labrun verify`'s CPU was the
# loader, and 2.4 MiB of a session's resident memory those libraries
# (docs/performance.md).  Linked static, only tar's objects come in and
# none of their dependencies (--gc-sections drops the writers of other
# formats that libarchive's format tables name).
ARCHIVE_A := $(wildcard $(shell pkg-config --variable=libdir libarchive 2>/dev/null)/libarchive.a)
ARCHIVE_STATIC := -Wl,--gc-sections -Wl,-Bstatic -larchive -Wl,-Bdynamic
ARCHIVE_LIBS = $(if $(ARCHIVE_A),$(ARCHIVE_STATIC),$(shell pkg-config --libs libarchive 2>/dev/null))
PKG_LIBS = $(shell pkg-config --libs $(filter-out libarchive,$(PKGS)) 2>/dev/null) $(ARCHIVE_LIBS) -lm

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wno-unused-parameter
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -iquote . -D_GNU_SOURCE \
	-D_FILE_OFFSET_BITS=64 $(PKG_CFLAGS) $(SAN_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_LDFLAGS)

ifeq ($(SAN),1)
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -Werror -DLABRUN_SANITIZED=1
SAN_LDFLAGS := -fsanitize=address,undefined
CFLAGS := -O1 -g
endif

# The fuzzing build (make fuzz sets FUZZ=1, CC=clang, B=build-fuzz): the
# library instrumented for libFuzzer's coverage as well as the sanitizers;
# each target is linked with libFuzzer's own main (the fuzz-bins rule).
ifeq ($(FUZZ),1)
SAN_CFLAGS := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined \
	-DLABRUN_SANITIZED=1
SAN_LDFLAGS := -fsanitize=fuzzer-no-link,address,undefined
CFLAGS := -O1 -g
endif

# The platform simulator's engine (scenarios/platform/) is part of the
# library too: labrun validates platforms with it, and the unit tests and
# `make check` exercise it under the sanitizers.
PLATFORM_SRCS := $(filter-out scenarios/platform/agentd.c \
	scenarios/platform/agentctl.c,$(wildcard scenarios/platform/*.c))
# base/: what every other layer uses and that knows nothing of labrun
# (errors, buffers and files, UTF-8, terminal-safe text, the limits), one
# archive linked by labrun, the in-sandbox programs and the tests.
BASE_SRCS := $(wildcard base/*.c)
BASE_LIB := $(B)/libbase.a
LIB_SRCS := $(filter-out runner/main.c,$(wildcard runner/*.c)) \
	$(filter-out sandbox/init.c sandbox/scp_gen.c,$(wildcard sandbox/*.c)) \
	$(wildcard graders/*.c) $(PLATFORM_SRCS)
LUA_EMBED := $(wildcard graders/*.lua)
# The registry site's verification page (runner/site/: its template,
# script and style), embedded like the Lua sources so that the binary
# writes the exact bytes whose hashes its Content-Security-Policy names.
SITE_EMBED := $(B)/gen/site_page_html.c $(B)/gen/site_verify_js.c \
	$(B)/gen/site_page_css.c
GEN_SRCS := $(patsubst graders/%.lua,$(B)/gen/%_lua.c,$(LUA_EMBED)) \
	$(B)/gen/seccomp_bpf.c $(SITE_EMBED)
LIB_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRCS)) $(GEN_SRCS:.c=.o) $(BASE_LIB)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/tests/fuzz/%,$(FUZZ_SRCS))
PROBE_SRCS := $(wildcard tests/probes/*.c)
PROBE_BINS := $(patsubst tests/probes/%.c,$(B)/tests/probes/%,$(PROBE_SRCS))
LIBEXEC := $(B)/libexec/labrun
HEADERS := $(wildcard base/*.h runner/*.h sandbox/*.h graders/*.h scenarios/platform/*.h)

# The terminal player every `labrun report` page embeds (asciinema-player,
# runner/report/package.json): a runtime dependency, installed by make deps
# into runner/report/node_modules.  The build copies its two files where
# labrun looks beside itself; without them the build still succeeds and
# labrun report says to run make deps.
PLAYER_SRC := runner/report/node_modules/asciinema-player/dist/bundle
PLAYER_DIR := $(B)/share/labrun/asciinema-player
PLAYER_OUT := $(patsubst $(PLAYER_SRC)/%,$(PLAYER_DIR)/%,$(wildcard \
	$(PLAYER_SRC)/asciinema-player.min.js $(PLAYER_SRC)/asciinema-player.css))
PLAYER_STAMP := runner/report/node_modules/.package-lock.json

.PHONY: all test check demo bench install deps clean unit probes fmt fuzz fuzz-bins
all: $(B)/labrun $(LIBEXEC)/labrun-init $(LIBEXEC)/bin/.dir $(LIBEXEC)/bin/lab \
	$(LIBEXEC)/bin/labrc $(LIBEXEC)/bin/agentd $(LIBEXEC)/bin/agentctl \
	$(B)/labrun.1 $(PLAYER_OUT)

$(PLAYER_DIR)/%: $(PLAYER_SRC)/%
	@mkdir -p $(dir $@)
	cp $< $@

$(B)/labrun: $(B)/obj/runner/main.o $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# labrun(1), generated from the binary's own help texts (docs/man.sh): the
# manual cannot say other than --help does.
$(B)/labrun.1: $(B)/labrun docs/man.sh
	sh docs/man.sh $(B)/labrun >$@.tmp && mv $@.tmp $@

$(BASE_LIB): $(patsubst %.c,$(B)/obj/%.o,$(BASE_SRCS))
	rm -f $@ && $(AR) rcs $@ $^

# The sandbox's pid 1: a small program of its own, never instrumented, so
# that nothing of the supervisor's memory is copied into a sandbox.
# Static where the C library allows: nothing to load at every launch.
$(LIBEXEC)/labrun-init: sandbox/init.c | $(LIBEXEC)/bin/.dir
	$(CC) -std=gnu11 -O2 $(WARN) -iquote . -D_GNU_SOURCE -static -o $@ $< 2>/dev/null || \
		$(CC) -std=gnu11 -O2 -g $(WARN) -iquote . -D_GNU_SOURCE -o $@ $<

# The candidate's `lab` command and shell startup (runner/tools/), which
# the sandbox sees in SBX_TOOLS_DIR.
$(LIBEXEC)/bin/lab: runner/tools/lab.c sandbox/sandbox.h | $(LIBEXEC)/bin/.dir
	$(CC) -std=gnu11 -O2 $(WARN) -iquote . -D_GNU_SOURCE -static -o $@ $< 2>/dev/null || \
		$(CC) -std=gnu11 -O2 -g $(WARN) -iquote . -D_GNU_SOURCE -o $@ $<

$(LIBEXEC)/bin/labrc: runner/tools/labrc | $(LIBEXEC)/bin/.dir
	cp $< $@

# The simulated platform's daemon and CLI (scenarios/platform/), mounted
# with the other in-sandbox tools.  Static where the libraries allow, like
# lab: nothing to load from the sandbox's /usr; plain (never instrumented)
# because they run inside sandboxes.
PLATFORM_CFLAGS := -std=gnu11 -O2 $(WARN) -iquote . -D_GNU_SOURCE \
	-D_FILE_OFFSET_BITS=64 $(PKG_CFLAGS)
# In the sanitizer and fuzzing builds base/ is instrumented, and the
# in-sandbox programs never are: they link a plain copy of it.
ifeq ($(SAN)$(FUZZ),)
PLATFORM_BASE := $(BASE_LIB)
else
PLATFORM_BASE := $(B)/plain/libbase.a
$(B)/plain/libbase.a: $(patsubst %.c,$(B)/plain/%.o,$(BASE_SRCS))
	rm -f $@ && $(AR) rcs $@ $^
$(B)/plain/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(PLATFORM_CFLAGS) -c -o $@ $<
endif
$(LIBEXEC)/bin/agentd: scenarios/platform/agentd.c $(PLATFORM_SRCS) \
		$(PLATFORM_BASE) $(HEADERS) | $(LIBEXEC)/bin/.dir
	$(CC) $(PLATFORM_CFLAGS) -static -o $@ $< $(PLATFORM_SRCS) $(PLATFORM_BASE) \
		-ljansson -llua5.4 -lm 2>/dev/null || \
		$(CC) $(PLATFORM_CFLAGS) -o $@ $< $(PLATFORM_SRCS) $(PLATFORM_BASE) $(PKG_LIBS) -lm
$(LIBEXEC)/bin/agentctl: scenarios/platform/agentctl.c scenarios/platform/help.c \
		$(PLATFORM_BASE) $(HEADERS) | $(LIBEXEC)/bin/.dir
	$(CC) $(PLATFORM_CFLAGS) -static -o $@ $< scenarios/platform/help.c \
		$(PLATFORM_BASE) -ljansson 2>/dev/null || \
		$(CC) $(PLATFORM_CFLAGS) -o $@ $< scenarios/platform/help.c $(PLATFORM_BASE) $(PKG_LIBS)

$(LIBEXEC)/bin/.dir:
	mkdir -p $(LIBEXEC)/bin && touch $@

$(B)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/%_lua.c: graders/%.lua graders/embed.sh
	@mkdir -p $(dir $@)
	sh graders/embed.sh $< $*_lua >$@

$(B)/gen/site_%_html.c: runner/site/%.html graders/embed.sh
	@mkdir -p $(dir $@)
	sh graders/embed.sh $< site_$*_html >$@
$(B)/gen/site_%_js.c: runner/site/%.js graders/embed.sh
	@mkdir -p $(dir $@)
	sh graders/embed.sh $< site_$*_js >$@
$(B)/gen/site_%_css.c: runner/site/%.css graders/embed.sh
	@mkdir -p $(dir $@)
	sh graders/embed.sh $< site_$*_css >$@

# The seccomp profiles, compiled once at build time (sandbox/scp_gen.c).
$(B)/gen/scp_gen: sandbox/scp_gen.c $(B)/obj/sandbox/seccomp_policy.o \
		$(BASE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/gen/seccomp_bpf.c: $(B)/gen/scp_gen
	$< >$@.tmp && mv $@.tmp $@

$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS)

# Probes run inside sandboxes: plain, uninstrumented, static where they can
# be so that they need nothing from the sandbox's libraries.
$(B)/tests/probes/%: tests/probes/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -static -o $@ $< 2>/dev/null || \
		$(CC) -std=gnu11 -O2 $(WARN) -o $@ $<

# Fuzz targets linked with a plain driver that replays their corpora.
$(B)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIB_OBJS) \
		$(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB_OBJS) $(PKG_LIBS)

# The same targets linked with libFuzzer (the fuzzing build only).
$(B)/fuzz/%: tests/fuzz/%.c $(LIB_OBJS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJS) $(PKG_LIBS)

unit: $(UNIT_BINS) $(FUZZ_BINS)
probes: $(PROBE_BINS)

test: all unit probes
	BUILD=$(CURDIR)/$(B) bash tests/run.sh

# Under the sanitizers every supervisor is several times larger and slower:
# the load test (tests/e2e/9500-load.sh) runs 25 take sessions there, its
# 100 in make test.
check:
	LOAD_TAKES=$${LOAD_TAKES:-25} $(MAKE) B=build-check SAN=1 test

# The fuzzing campaign: every target (or FUZZ_TARGETS=a,b) for FUZZ_RUNS
# executions each (or FUZZ_MAX_TIME seconds, when set and reached first),
# FUZZ_JOBS targets at a time (FUZZ_WORKERS processes each), then its
# corpus minimised back into tests/fuzz/corpus/NAME.  tests/fuzz/campaign.sh
# says how.
FUZZ_RUNS ?= 10000000
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?=
FUZZ_MAX_TIME ?= 0
FUZZ_WORKERS ?= 1
fuzz-bins: $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))

# clang and its libFuzzer runtime are installed if missing (make deps does
# not: only the campaign needs them).
fuzz:
	@sh scenarios/deps.sh clang libclang-rt-14-dev
	$(MAKE) B=build-fuzz CC=clang FUZZ=1 fuzz-bins
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_TARGETS=$(FUZZ_TARGETS) \
		FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) FUZZ_WORKERS=$(FUZZ_WORKERS) bash tests/fuzz/campaign.sh $(CURDIR)/build-fuzz

# The JavaScript the tests run (tests/node/package.json): installed from the
# npm registry at the versions the lock file pins, once per change of it.
NODE_STAMP := tests/node/node_modules/.package-lock.json

deps: $(NODE_STAMP) $(PLAYER_STAMP)
	@sh scenarios/deps.sh $(DEB_PKGS)

$(NODE_STAMP): tests/node/package-lock.json
	@command -v npm >/dev/null 2>&1 || sh scenarios/deps.sh nodejs npm
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(PLAYER_STAMP): runner/report/package-lock.json
	@command -v npm >/dev/null 2>&1 || sh scenarios/deps.sh nodejs npm
	cd runner/report && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: deps
	$(MAKE) all
	bash scenarios/demo.sh

bench: all probes
	bash tests/bench/bench.sh

# The library (every scenarios/*/ with a scenario.json) goes where
# labrun new looks beside an installed labrun: PREFIX/share/labrun/scenarios.
LIBRARY := $(patsubst %/scenario.json,%,$(wildcard scenarios/*/scenario.json))
# The example ladder's certification programs (docs/credentials.md), beside
# it in PREFIX/share/labrun/programs: unsigned, for a team to adapt and sign.
PROGRAMS := $(wildcard scenarios/programs/*.json)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/labrun/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/labrun/scenarios
	install -m 0755 $(B)/labrun $(DESTDIR)$(PREFIX)/bin/labrun
	install -m 0755 $(LIBEXEC)/labrun-init $(DESTDIR)$(PREFIX)/libexec/labrun/
	cp -R $(LIBEXEC)/bin/. $(DESTDIR)$(PREFIX)/libexec/labrun/bin/
	rm -f $(DESTDIR)$(PREFIX)/libexec/labrun/bin/.dir
	install -m 0644 $(B)/labrun.1 $(DESTDIR)$(PREFIX)/share/man/man1/labrun.1
	@if [ -f $(PLAYER_DIR)/asciinema-player.min.js ] && \
	    [ -f $(PLAYER_DIR)/asciinema-player.css ]; then \
		install -d $(DESTDIR)$(PREFIX)/share/labrun/asciinema-player && \
		install -m 0644 $(PLAYER_DIR)/asciinema-player.min.js \
			$(PLAYER_DIR)/asciinema-player.css \
			$(DESTDIR)$(PREFIX)/share/labrun/asciinema-player/; \
	else echo "note: no asciinema-player in $(PLAYER_DIR): labrun report" \
		"will refuse until make deps and make install"; fi
	for d in $(LIBRARY); do \
		rm -rf $(DESTDIR)$(PREFIX)/share/labrun/$$d && \
		cp -R $$d $(DESTDIR)$(PREFIX)/share/labrun/scenarios/ || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/labrun/programs
	install -m 0644 $(PROGRAMS) $(DESTDIR)$(PREFIX)/share/labrun/programs/

clean:
	rm -rf build build-check build-fuzz
