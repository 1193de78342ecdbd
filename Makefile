# athena_fdw: PostgreSQL foreign data wrapper for Amazon Athena Spark sessions.
#
#   make && make install    build and install against $(PG_CONFIG)
#   test/run_all.sh         every test, in a throwaway cluster with the mock
#   make valgrind-check     the regression suite with the server under valgrind
#   test/lib/with_mock.sh make installcheck
#                           the regression suite against a running server
#   make dist               athena_fdw-<version>.zip for PGXN, from git HEAD
#   make indent             format the C sources as pgindent does
#   make typedefs           refresh typedefs.list (after a build) for indent
#
# src/http, src/aws and src/athena are the PostgreSQL-free core, built by
# src/Makefile into a static archive; src/fdw/ is the PostgreSQL shell on
# top of them, built here with PGXS.

EXTENSION = athena_fdw
# Every install and upgrade script there is, so packages pick up new ones.
DATA = $(wildcard athena_fdw--*.sql)
MODULE_big = athena_fdw

OBJS = src/fdw/athena_fdw.o src/fdw/plan.o src/fdw/scan.o src/fdw/explain.o \
	src/fdw/option.o src/fdw/quals.o \
	src/fdw/columns.o src/fdw/connection.o src/fdw/credentials.o \
	src/fdw/import.o src/fdw/session_source.o src/fdw/join_scan.o src/fdw/remote_text.o \
	src/fdw/modify.o src/fdw/insert.o src/fdw/delete_where.o src/fdw/delete_progress.o \
	src/fdw/shmem.o src/fdw/stats.o src/fdw/catalog_deps.o \
	src/fdw/rate_limit.o

CORE_LIB = src/build/release/libathenacore.a

PG_CPPFLAGS = -Isrc/http -Isrc/aws -Isrc/athena -Isrc/fdw
# PostgreSQL's own headers have unused parameters in inline functions.
PG_CFLAGS = -Wextra -Wno-unused-parameter
SHLIB_LINK = $(CORE_LIB) -lcurl -ljson-c -lcrypto -lxml2
EXTRA_CLEAN = src/build

# The regression suite in test/schedule's order (later tests use the objects
# earlier ones made); the mock must be up (test/lib/with_mock.sh).
REGRESS = $(shell sed -n 's/^test: //p' test/schedule)
REGRESS_OPTS = --encoding=UTF8 --no-locale

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(CORE_LIB): FORCE
	$(MAKE) -C src FLAVOR=release

$(shlib): $(CORE_LIB)

# PGXS tracks no header dependencies: a changed header (a struct the core
# and the shell share) must rebuild the shell, or the two disagree.
$(OBJS) $(OBJS:.o=.bc): $(wildcard src/*/*.h)

FORCE:

# The pg_regress suite with the server under valgrind (memcheck); fails on
# any valgrind error with a frame in athena_fdw.so, or a failing test.
# Slow: minutes.
valgrind-check: install
	test/valgrind/run.sh

# The PGXN release archive: HEAD as athena_fdw-<version>/, the version being
# META.json's (test/checks/pgxn.sh checks it agrees with the control file
# and debian/changelog).
DIST_VERSION = $(shell /usr/bin/python3 -c 'import json; print(json.load(open("META.json"))["version"])')
dist:
	git archive --format=zip --prefix=$(EXTENSION)-$(DIST_VERSION)/ \
		-o $(EXTENSION)-$(DIST_VERSION).zip HEAD
# PostgreSQL's formatting: scripts/indent.sh runs pg_bsd_indent with
# pgindent's settings over every tracked .c and .h, with typedefs.list
# (scripts/typedefs.sh refreshes it from a build's debug information).
indent:
	scripts/indent.sh

typedefs: all
	$(MAKE) -C test/unit all
	scripts/typedefs.sh

.PHONY: valgrind-check dist indent typedefs FORCE
