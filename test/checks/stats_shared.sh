#!/usr/bin/env bash
# Cluster-wide counters: with athena_fdw in shared_preload_libraries,
# athena_fdw_stats shows every backend's calls (scope 'cluster'), exactly
# the requests and response bytes the mock counted, also while backends
# count at the same time; a superuser's reset empties them for all; a
# database still on version 1.0 of the extension works and is counted.
#
# Starts its own cluster (the preload needs one) and uses test/run_all.sh's
# mock: MOCK_PORT, MOCKCTL, PG_CONFIG.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh
. test/lib/cluster.sh

make_workdir
trap 'stop_cluster; rm -rf "$WORK"' EXIT

start_cluster "shared_preload_libraries = 'athena_fdw'"
ok $? "start a cluster with shared_preload_libraries = 'athena_fdw'"

PSQL="$PG_BIN/psql -X -q -At -v ON_ERROR_STOP=1"
$MOCKCTL reset

# two databases: one on the default version, one on 1.0
setup() {						# setup database version
	$PSQL -d postgres -c "CREATE DATABASE $1" &&
		$PSQL -d "$1" -v endpoint="http://127.0.0.1:$MOCK_PORT" -v version="$2" <<'EOF'
CREATE EXTENSION athena_fdw VERSION :'version';
CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_concurrency '16');
CREATE USER MAPPING FOR PUBLIC SERVER athena
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE sessions (session_id text, state text) SERVER athena;
EOF
}
setup stats_current "$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" athena_fdw.control)"
ok $? "a database on the default version"
setup stats_old 1.0
ok $? "a database on version 1.0"

# 1.0's objects work with the preloaded library
out=$($PSQL -d stats_old -c "SELECT state FROM sessions WHERE session_id = 's-idle'" 2>&1)
ok "$([ "$out" = IDLE ]; echo $?)" "a lookup in the 1.0 database (got: $out)"

# backends at once: 4 x 300 ids (200 known, 100 not), throttled 10 times
$MOCKCTL fault throttle 10
pids=()
for i in 1 2 3 4; do
	$PSQL -d stats_current -c "SELECT count(*) FROM sessions WHERE session_id = ANY(ARRAY(
		SELECT 'gen-' || g FROM generate_series(1, 200) g UNION ALL
		SELECT 'none-$i-' || g FROM generate_series(1, 100) g))" >"$WORK/lookup$i.out" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
ok $failed "four backends look up 300 ids each at the same time"
ok "$(cat "$WORK"/lookup*.out | sort -u | grep -qx 200; echo $?)" "each found 200 sessions"

calls=$($MOCKCTL count GetSessionStatus)
bytes=$($MOCKCTL bytes GetSessionStatus)
out=$($PSQL -d stats_current -F ' ' -c "SELECT database, server, operation, calls, retries, throttled, errors_not_found, scope
	FROM athena_fdw_stats ORDER BY database" 2>&1)
expected="stats_current athena GetSessionStatus 1210 10 10 400 cluster
stats_old athena GetSessionStatus 1 0 0 0 cluster"
ok "$([ "$out" = "$expected" ]; echo $?)" "another backend sees the calls of every backend and database: $(tr '\n' ';' <<<"$out")"
out=$($PSQL -d stats_current -c "SELECT sum(calls), sum(bytes_received) FROM athena_fdw_stats" 2>&1)
ok "$([ "$out" = "$calls|$bytes" ]; echo $?)" "calls and response bytes are the mock's $calls|$bytes (got: $out)"

# only a superuser resets, and the reset is the cluster's
$PSQL -d postgres -c "CREATE ROLE regress_stats_reader LOGIN"
out=$($PSQL -d stats_current -U regress_stats_reader -c "SELECT count(*) FROM athena_fdw_stats" 2>&1)
ok "$([ "$out" = 2 ]; echo $?)" "a non-superuser reads them (got: $out)"
out=$($PSQL -d stats_current -U regress_stats_reader -c "SELECT athena_fdw_stats_reset()" 2>&1)
ok "$(grep -q "permission denied for function athena_fdw_stats_reset" <<<"$out"; echo $?)" "a non-superuser may not reset them"
$PSQL -d stats_current -c "SELECT athena_fdw_stats_reset()" >/dev/null
out=$($PSQL -d stats_current -U regress_stats_reader -c "SELECT count(*) FROM athena_fdw_stats" 2>&1)
ok "$([ "$out" = 0 ]; echo $?)" "a superuser's reset empties them for every backend (got: $out)"

$MOCKCTL reset
tap_finish
