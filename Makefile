# athena_fdw: PostgreSQL foreign data wrapper for Amazon Athena Spark sessions.
#
#   make && make install    build and install against $(PG_CONFIG)
#   test/run_all.sh         every test, in a throwaway cluster with the mock
#   make valgrind-check     the regression suite with the server under valgrind
#
# src/core/ is PostgreSQL-free and built by its own Makefile into a static
# archive; src/fdw/ is the PostgreSQL shell, built here with PGXS.

EXTENSION = athena_fdw
DATA = athena_fdw--1.0.sql
MODULE_big = athena_fdw

OBJS = src/fdw/athena_fdw.o src/fdw/option.o src/fdw/quals.o \
	src/fdw/columns.o src/fdw/connection.o src/fdw/credentials.o \
	src/fdw/import.o

CORE_LIB = src/core/build/release/libathenacore.a

PG_CPPFLAGS = -Isrc/core -Isrc/fdw
# PostgreSQL's own headers have unused parameters in inline functions.
PG_CFLAGS = -Wextra -Wno-unused-parameter
SHLIB_LINK = $(CORE_LIB) -lcurl -ljson-c -lcrypto
EXTRA_CLEAN = src/core/build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(CORE_LIB): FORCE
	$(MAKE) -C src/core FLAVOR=release

$(shlib): $(CORE_LIB)

FORCE:

# The pg_regress suite with the server under valgrind (memcheck); fails on
# any valgrind error with a frame in athena_fdw.so, or a failing test.
# Slow: minutes.
valgrind-check: install
	test/valgrind/run.sh
.PHONY: valgrind-check FORCE
