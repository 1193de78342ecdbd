# athena_fdw: PostgreSQL foreign data wrapper for Amazon Athena Spark sessions.
#
#   make && make install    build and install against $(PG_CONFIG)
#   test/run_all.sh         every test, in a throwaway cluster with the mock
#   make valgrind-check     the regression suite with the server under valgrind

EXTENSION = athena_fdw
DATA = athena_fdw--1.0.sql
MODULE_big = athena_fdw

# The PostgreSQL shell: planning, executing, options, caches.
PG_OBJS = src/athena_fdw.o src/option.o src/quals.o src/columns.o \
	src/connection.o src/credentials.o src/import.o
# The PostgreSQL-free core: AWS signing, JSON, HTTP.
CORE_OBJS = src/sigv4.o src/athena_api.o src/retry_policy.o src/http.o \
	src/athena_client.o
OBJS = $(PG_OBJS) $(CORE_OBJS)

PG_CPPFLAGS = -Isrc
# PostgreSQL's own headers have unused parameters in inline functions.
PG_CFLAGS = -Wextra -Wno-unused-parameter
SHLIB_LINK = -lcurl -ljson-c -lcrypto

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The pg_regress suite with the server under valgrind (memcheck); fails on
# any valgrind error with a frame in athena_fdw.so, or a failing test.
# Slow: minutes.
valgrind-check: install
	test/valgrind.sh
.PHONY: valgrind-check
