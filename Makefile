# tlsrpt - receive, verify, store and explain SMTP TLS reports (RFC 8460)
#
#   make            build build/tlsrpt
#   make test       install missing Debian packages (as root), build, run
#                   every test, also under ASan+UBSan; ends "N passed, N failed"
#   make run        build, start a private PostgreSQL under var/ when no
#                   database is configured, load the example reports, summarise
#   make bench      bulk-ingest throughput against a parse-only floor
#   make install    PREFIX=/usr/local DESTDIR=
#   make valgrind   the unit tests under valgrind
#   make fuzz       FUZZ_SECONDS=N: build the libFuzzer targets (fuzz/)
#                   and run each N seconds; README "Fuzzing"
#   make fuzz-opendkim  libopendkim from Debian's source with ASan, which
#                   "make fuzz" then runs fuzz_dkim against

PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	 = $(PREFIX)/bin
SYSCONFDIR ?= /etc

CC	?= cc
PG_INC	:= $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	   -Wformat=2 -Wvla -Wno-format-nonliteral
CPPFLAGS = -D_DEFAULT_SOURCE -D_GNU_SOURCE -Ilib -Iingest -Istore -Irender \
	   -I$(PG_INC)
CFLAGS	?= -O2 -g
# SAN: sanitizer flags for the test-asan build (also given to the linker)
SAN	?=
ALL_CFLAGS = -std=c11 $(WARN) -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   $(CFLAGS) $(SAN)
LDLIBS	 = -lmicrohttpd -lpq -ljansson -lz -lcrypto -lopendkim -lpsl -lresolv \
	   -lpthread

# Debian 12 packages the build, the tests and "make run" need.
DEB_PKGS = gcc make libc6-dev pkg-config libjansson-dev zlib1g-dev \
	   libpq-dev libssl-dev postgresql postgresql-client curl openssl \
	   ca-certificates libmicrohttpd-dev libopendkim-dev libpsl-dev \
	   publicsuffix python3-dkim tidy python3 chromium fonts-dejavu-core

B	?= build
SRC_LIB	 = lib/xmalloc.c lib/buf.c lib/util.c lib/log.c lib/conf.c \
	   lib/privdrop.c lib/report.c lib/escape.c lib/orgdomain.c \
	   lib/domainset.c
SRC_ING	 = ingest/gunzip.c ingest/decode.c ingest/report_json.c \
	   ingest/report_time.c ingest/report_domain.c ingest/intake.c \
	   ingest/spool.c ingest/replay.c ingest/reparse.c \
	   ingest/ingest_file.c ingest/serve.c ingest/listen.c \
	   ingest/http.c ingest/ratelimit.c ingest/connlimit.c \
	   ingest/committer.c ingest/dkim_gate.c ingest/dkim_keycache.c \
	   ingest/dkim_guard.c ingest/mime.c ingest/mime_header.c \
	   ingest/mime_decode.c ingest/mailbox.c \
	   ingest/mail.c ingest/mail_door.c ingest/quarantine_cmd.c \
	   ingest/metrics.c ingest/http_request.c
SRC_STO	 = store/pg.c store/copy.c store/rows.c store/batch.c store/single.c store/proven.c \
	   store/conflict.c store/migrate.c store/reparse.c store/quarantine.c \
	   store/purge.c \
	   store/query.c store/query_site.c store/query_digest.c \
	   store/query_metrics.c store/store_cmd.c
SRC_REN	 = render/summary.c render/html.c render/svg.c \
	   render/site.c render/domain_page.c render/report_page.c \
	   render/digest.c render/digest_body.c render/alerts.c \
	   render/mailout.c
SRCS	 = $(SRC_LIB) $(SRC_ING) $(SRC_STO) $(SRC_REN)
OBJS	 = $(SRCS:%.c=$(B)/%.o) $(B)/migrations.o
HDRS	 = $(wildcard lib/*.h ingest/*.h store/*.h render/*.h)
UNIT	 = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps browser-deps test test-build test-asan run stop bench \
	install valgrind clean fuzz fuzz-build fuzz-targets fuzz-opendkim

all: $(B)/tlsrpt

# /metrics names the commit it was built from, when there is one
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
$(B)/ingest/metrics.o: CPPFLAGS += $(if $(GIT_COMMIT),-DTLSRPT_COMMIT='"$(GIT_COMMIT)"')

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# The migrations are compiled into the binary: nothing to install or find.
$(B)/migrations.c: $(wildcard sql/*.sql) store/sqlembed.sh
	@mkdir -p $(B)
	sh store/sqlembed.sh $(sort $(wildcard sql/*.sql)) > $@.tmp && mv $@.tmp $@

$(B)/migrations.o: $(B)/migrations.c store/migrations.h
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(B)/tlsrpt: $(B)/lib/main.o $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/t.h tests/unit/tgz.h $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(LDFLAGS) $(LDLIBS)

test-build: $(B)/tlsrpt $(UNIT)

# Installs what is missing when run as root; otherwise says what to install.
# Postfix (for the tests' end-to-end mail path only) is not installed over
# another MTA: apt would remove it.
deps:
	@missing=""; for p in $(DEB_PKGS) $(EXTRA_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' && continue; \
	  if [ $$p = postfix ] && [ -e /usr/sbin/sendmail ]; then \
	    echo "not installing postfix over this machine's MTA:" \
	      "tests/postfix.sh will fail"; continue; fi; \
	  missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    echo "postfix postfix/main_mailer_type select No configuration" | \
	      debconf-set-selections; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$missing \
	      >/dev/null || exit 1; \
	  else echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get install$$missing"; exit 1; fi; fi

# The browser test's driver (tests/browser.sh): npm's playwright-core,
# pinned, into the project (never committed); it drives Debian's chromium
# and downloads no browser.
BROWSER_DEP = tests/browser/node_modules/playwright-core/package.json
browser-deps: $(BROWSER_DEP)
$(BROWSER_DEP): tests/browser/package.json
	@# Debian's nodejs and npm, unless a node with npm is there already
	@command -v npm >/dev/null || \
	  $(MAKE) --no-print-directory deps DEB_PKGS="nodejs npm"
	@# where the registry cannot be reached (a TLS-intercepting proxy
	@# whose CA only the machine's own npm trusts), the browser test runs
	@# with chromium alone: tests/browser/probe.sh
	-cd tests/browser && npm install --no-audit --no-fund --no-package-lock \
	  --loglevel=error || echo "browser-deps: playwright-core not \
	  installed; tests/browser.sh uses chromium alone"
	@[ ! -d tests/browser/node_modules/playwright-core ] || touch $@

# The suite twice: as built, then under ASan+UBSan (build-asan/); the
# browser test once, the unit tests and the corpus under valgrind, and a
# smoke of each fuzz target, on the first build.  systemd only for
# systemd-analyze (tests/units.sh): nothing is started with it.
test test-asan: EXTRA_PKGS = postfix systemd valgrind
test: EXTRA_PKGS += $(FUZZ_PKGS)
test: deps browser-deps
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory fuzz-targets
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g" \
	  SAN="-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  test-build
	@FUZZ_SMOKE_REQUIRED=1 sh tests/run.sh --valgrind build build-asan

test-asan: deps
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g" \
	  SAN="-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  test-build
	@sh tests/run.sh build-asan

valgrind: EXTRA_PKGS = valgrind
valgrind: deps test-build
	@sh tests/run.sh --unit-only --valgrind build

run: deps all
	@sh tests/demo.sh build/tlsrpt

# stop the private PostgreSQL cluster that "make run" started
stop:
	@sh -c '. tests/pg.sh; [ -d var/pg ] && pg_stop var/pg/ && echo "stopped var/pg" || true'

$(B)/tests/bench_tool: tests/bench/bench_tool.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(LDFLAGS) $(LDLIBS)

$(B)/tests/http_load: tests/bench/http_load.c tests/bench/http_conn.c \
	  tests/bench/http_conn.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ tests/bench/http_load.c \
	  tests/bench/http_conn.c $(LDFLAGS) -lssl -lcrypto -lpthread

$(B)/tests/mailgen: tests/bench/mailgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS) -lopendkim -lcrypto

$(B)/tests/pipe_load: tests/bench/pipe_load.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS)

bench: deps all $(B)/tests/bench_tool $(B)/tests/http_load $(B)/tests/mailgen \
	  $(B)/tests/pipe_load
	@bash tests/bench.sh build/tlsrpt

install: $(B)/tlsrpt
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/tlsrpt \
	  $(DESTDIR)$(PREFIX)/share/doc/tlsrpt
	install -m 755 $(B)/tlsrpt $(DESTDIR)$(BINDIR)/tlsrpt
	install -m 644 README.md etc/tlsrpt.service etc/tlsrpt-digest.service \
	  etc/tlsrpt-digest.timer etc/tlsrpt-render.service \
	  etc/tlsrpt-render.timer etc/tlsrpt-purge.service \
	  etc/tlsrpt-purge.timer etc/tlsrpt.cron \
	  $(DESTDIR)$(PREFIX)/share/doc/tlsrpt/
	[ -f $(DESTDIR)$(SYSCONFDIR)/tlsrpt/tlsrpt.conf ] || \
	  install -m 644 etc/tlsrpt.conf $(DESTDIR)$(SYSCONFDIR)/tlsrpt/tlsrpt.conf

# --- fuzzing (fuzz/; README "Fuzzing") -----------------------------------
# libFuzzer targets built by Debian's clang 14 in build-fuzz/: every object
# instrumented for coverage (fuzzer-no-link) and checked by ASan+UBSan;
# seeds and dictionaries made at build time by fuzz/seeds.py.  "make fuzz
# FUZZ_SECONDS=N" runs each target N seconds, one after another on one
# core (fuzz/run.sh; log in build-fuzz/fuzz.log); FUZZ_RUNS=N (and
# FUZZ_RUNS_DKIM=N) runs a number of executions instead, within
# FUZZ_TOTAL_SECONDS for all of them when that is set.  "make test"
# runs a short smoke of each and replays fuzz/regress/ (tests/fuzz_smoke.sh).
FUZZ_PKGS = clang-14 libclang-rt-14-dev python3-dkim
FUZZ_B	  = build-fuzz
FUZZ_SAN  = -fno-omit-frame-pointer -fno-sanitize-recover=all \
	    -fsanitize=fuzzer-no-link,address,undefined
FUZZ_TARGETS = json gunzip mime dkim conf http
# clang only: "i++" in the body of a for loop over argv skips an option's
# argument on purpose (render/)
FUZZ_WARN = -Wno-for-loop-analysis
FUZZ_SECONDS ?= 60
FUZZ_CORPUS ?= $(abspath ..)/shared/corpus/real

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer \
	  -DFUZZ_KEYS='"$(CURDIR)/fuzz/dkim/keys.txt"' -o $@ $< $(OBJS) \
	  $(LDFLAGS) $(LDLIBS)

$(B)/seeds/.done: fuzz/seeds.py fuzz/dkim/signer.pem lib/conf.c \
	  etc/tlsrpt.conf $(wildcard fuzz/*.dict tests/mail/*.py)
	@mkdir -p $(B)
	/usr/bin/python3 fuzz/seeds.py $(B) $(FUZZ_CORPUS)
	@touch $@

# the targets and their seeds (no package check: "fuzz" and "test" do it)
fuzz-targets:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang-14 CFLAGS="-O1 -g" \
	  SAN="$(FUZZ_SAN)" WARN="$(WARN) $(FUZZ_WARN)" \
	  $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz/fuzz_%) \
	  $(FUZZ_B)/seeds/.done

fuzz-build: EXTRA_PKGS = $(FUZZ_PKGS)
fuzz-build: deps
	@$(MAKE) --no-print-directory fuzz-targets

fuzz: fuzz-build
	@sh fuzz/run.sh $(if $(FUZZ_RUNS),-n $(FUZZ_RUNS) \
	  $(if $(FUZZ_RUNS_DKIM),-d $(FUZZ_RUNS_DKIM)) \
	  $(if $(FUZZ_TOTAL_SECONDS),-D $(FUZZ_TOTAL_SECONDS)),-s $(FUZZ_SECONDS)) \
	  $(FUZZ_B) $(FUZZ_TARGET)

# Debian's libopendkim is not instrumented: a bad write inside it shows
# only later, as a corrupted heap.  This builds it from Debian's source
# with ASan into $(FUZZ_B)/opendkim/ (fuzz/opendkim-asan.sh says how);
# fuzz/run.sh then runs fuzz_dkim against it and names it in the log.
fuzz-opendkim: EXTRA_PKGS = $(FUZZ_PKGS) autoconf automake libtool \
	  libbsd-dev patch xz-utils
fuzz-opendkim: deps
	@mkdir -p $(FUZZ_B)
	sh fuzz/opendkim-asan.sh $(FUZZ_B)

clean:
	rm -rf build build-asan build-fuzz
