#!/usr/bin/env bash
# DROP and CREATE of servers and user mappings must not leave old HTTP
# clients (kept-alive sockets, epoll fd, socketpair) open in a backend, and
# a backend that uses many servers keeps a bounded number of idle clients.
# Counts the sockets, pipes and anonymous inodes (epoll) of one backend in
# /proc/<pid>/fd, read by the check (root) for the session's backend; the
# backend's data files are left out, since PostgreSQL opens and keeps them
# as its catalog caches need (one more catalog index can stay open after
# the 8th cycle than after the 1st):
#   1. 8 cycles of CREATE SERVER (max_concurrency 16) + USER MAPPING, a scan
#      of 64 ids at 20 ms latency (16 connections), DROP SERVER ... CASCADE:
#      the backend holds no more descriptors after 8 cycles than after 1;
#   2. 12 servers, each scanned once with one id: at most 8 idle clients
#      stay open (7 more than the first, where 11 would without a cap).
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL (set by test/run_all.sh).
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/check_db.sh"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
DB=athena_check_client_fds
TMP=$(mktemp -d /tmp/athena_client_fds.XXXXXX)
MAX_IDLE_CLIENTS=8

check_cleanup() { rm -rf "$TMP"; }
check_database $DB
$MOCKCTL reset

# psql lines printing "LABEL <descriptors>" for the session's backend
fds() {							# fds label
	cat <<EOF
SELECT pg_backend_pid() AS backend_pid \\gset
\\setenv BACKEND_PID :backend_pid
\\! echo $1 \$(ls -l /proc/\$BACKEND_PID/fd | grep -cE ' -> (socket|pipe|anon_inode):')
EOF
}

# Creates server $1 with its mapping and table, with max_concurrency $2.
create_server() {
	mock_server_sql $1 "max_concurrency '$2'"
	cat <<EOF
CREATE FOREIGN TABLE ${1}_sessions (session_id text, state text) SERVER $1;
EOF
}

# --- 1. drop/create cycles at max_concurrency 16 ---
$MOCKCTL latency 20
{
	for cycle in 1 2 3 4 5 6 7 8; do
		create_server cycled 16
		echo "SELECT count(*) AS rows FROM cycled_sessions
  WHERE session_id = ANY(ARRAY(SELECT 'gen-' || g FROM generate_series(1, 64) g)) \\gset"
		echo "\\echo ROWS :rows"
		echo "DROP SERVER cycled CASCADE;"
		[ $cycle -eq 1 ] && fds AFTER_FIRST
	done
	fds AFTER_LAST
} >"$TMP/cycles.sql"
$PSQL -d $DB -f "$TMP/cycles.sql" >"$TMP/cycles.out" 2>"$TMP/cycles.err"
ok $? "8 drop/create cycles run without error"
$MOCKCTL latency 0
rows=$(grep -c '^ROWS 64$' "$TMP/cycles.out")
[ "$rows" -eq 8 ]
ok $? "each cycle's scan returns its 64 rows ($rows of 8 cycles)"
first=$(sed -n 's/^AFTER_FIRST //p' "$TMP/cycles.out")
last=$(sed -n 's/^AFTER_LAST //p' "$TMP/cycles.out")
echo "# descriptors of the backend after 1 cycle: $first; after 8 cycles: $last; mock connections: $($MOCKCTL conns)"
[ -n "$first" ] && [ -n "$last" ] && [ "$last" -le "$first" ]
ok $? "8 drop/create cycles hold no more descriptors than 1 ($first, then $last)"

# --- 2. many servers: idle clients are capped ---
# The first client also loads what every later one shares, so a client's
# own descriptors are measured from the first to the second.
$MOCKCTL reset
{
	for i in $(seq 1 12); do
		create_server s$i 1
		echo "SELECT count(*) FROM s${i}_sessions WHERE session_id = 's-idle';"
		fds AFTER_$i
	done
} >"$TMP/many.sql"
$PSQL -d $DB -f "$TMP/many.sql" >"$TMP/many.out" 2>"$TMP/many.err"
ok $? "12 servers scanned in one backend without error"
one=$(sed -n 's/^AFTER_1 //p' "$TMP/many.out")
two=$(sed -n 's/^AFTER_2 //p' "$TMP/many.out")
twelve=$(sed -n 's/^AFTER_12 //p' "$TMP/many.out")
per_client=$((two - one))
echo "# descriptors: $one with one client, $two with two ($per_client per client), $twelve after 12 servers"
# 11 more clients without a cap, MAX_IDLE_CLIENTS - 1 more with it; the
# bound lies between, with room for a few descriptors that come and go
[ "$per_client" -gt 0 ] && [ $((twelve - one)) -le $(((MAX_IDLE_CLIENTS + 1) * per_client)) ]
ok $? "12 servers leave at most $MAX_IDLE_CLIENTS idle clients open ($((twelve - one)) descriptors past the first client; $per_client per client)"

cat "$TMP/cycles.err" "$TMP/many.err" >&2
tap_finish
