#!/usr/bin/env bash
# Builds and installs athena_fdw, then runs example queries against the local
# mock Athena endpoint in a throwaway PostgreSQL cluster, and cleans up.
#
#   scripts/demo.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib/cluster.sh

scripts/install-deps.sh
make -s
make -s install >/dev/null

make_workdir
trap cleanup_all EXIT
start_mock --latency-ms 20
start_cluster

echo "== mock Athena endpoint on 127.0.0.1:$MOCK_PORT (20 ms latency), PostgreSQL on port $PGPORT"
echo
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -e -d postgres -f scripts/demo.sql
echo
echo "== the mock endpoint received $($MOCKCTL count GetSessionStatus) signed GetSessionStatus requests over $($MOCKCTL conns) TCP connection(s)"
