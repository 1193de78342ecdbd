#!/usr/bin/env bash
# Cluster-wide counters: with athena_fdw in shared_preload_libraries,
# athena_fdw_stats shows every backend's calls (scope 'cluster'), exactly
# the requests and response bytes the mock counted, also while backends
# count at the same time; a superuser's reset empties them for all; a
# database still on version 1.0 of the extension works and is counted.
# With athena_fdw.stats_max = 8: what finds no room is counted in the
# overflow row; the rows of dropped servers and databases go when the drop
# commits (not when it rolls back), or at the next read after a prepared
# DROP; the servers of a role that is not a superuser get at most 2 rows.
#
# Starts its own cluster (the preload needs one) and uses test/run_all.sh's
# mock: MOCK_PORT, MOCKCTL, PG_CONFIG.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh
. test/lib/cluster.sh

make_workdir
trap 'stop_cluster; rm -rf "$WORK"' EXIT

start_cluster "shared_preload_libraries = 'athena_fdw'" \
	"athena_fdw.stats_max = 8" "max_prepared_transactions = 2"
ok $? "start a cluster with shared_preload_libraries = 'athena_fdw'"
out=$($PG_BIN/psql -X -At -d postgres -c "SHOW athena_fdw.stats_max" 2>&1)
ok "$([ "$out" = 8 ]; echo $?)" "athena_fdw.stats_max is read at preload (got: $out)"

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

# ---- a full table: 9 servers, 8 rows, the 9th counted in the overflow row
servers() {						# servers database first last [role]
	local i sql=
	for i in $(seq "$2" "$3"); do
		sql+="CREATE SERVER full$i FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER full$i
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE full$i (session_id text, state text) SERVER full$i;
"
	done
	$PSQL -d "$1" ${4:+-U "$4"} -v endpoint="http://127.0.0.1:$MOCK_PORT" <<<"$sql"
}
lookups() {						# lookups database first last [role]: one call each
	local i
	for i in $(seq "$2" "$3"); do
		$PSQL -d "$1" ${4:+-U "$4"} -c "SELECT state FROM full$i WHERE session_id = 's-idle'" >/dev/null || return 1
	done
}
rows() {						# the view, as "server calls" words
	$PSQL -d stats_current -F ' ' -c "SELECT coalesce(server::text, '(overflow)'),
		calls FROM athena_fdw_stats ORDER BY server IS NULL, server" | tr '\n' ' '
}
$MOCKCTL reset
servers stats_current 1 9 && lookups stats_current 1 9
ok $? "nine servers, one lookup each"
out=$(rows)
ok "$([ "$out" = "full1 1 full2 1 full3 1 full4 1 full5 1 full6 1 full7 1 full8 1 (overflow) 1 " ]; echo $?)" \
	"eight rows and the overflow row (got: $out)"
out=$($PSQL -d stats_current -F ' ' -c "SELECT database IS NULL, operation IS NULL, scope,
	(SELECT sum(calls) FROM athena_fdw_stats) FROM athena_fdw_stats WHERE server IS NULL" 2>&1)
ok "$([ "$out" = "t t cluster $($MOCKCTL count)" ]; echo $?)" "the overflow row has no database, server or operation; the sum is the mock's (got: $out)"

# ---- rows of dropped servers go when the drop commits
$PSQL -d stats_current -c "DROP SERVER full1 CASCADE"
lookups stats_current 9 9
out=$(rows)
ok "$([ "$out" = "full2 1 full3 1 full4 1 full5 1 full6 1 full7 1 full8 1 full9 1 (overflow) 1 " ]; echo $?)" \
	"DROP SERVER frees its row, which the next new server takes (got: $out)"
$PSQL -d stats_current -c "BEGIN; DROP SERVER full2 CASCADE; ROLLBACK" &&
	$PSQL -d stats_current -c "BEGIN; SAVEPOINT a; DROP SERVER full3 CASCADE; ROLLBACK TO a; COMMIT"
out=$(rows)
ok "$([ "$out" = "full2 1 full3 1 full4 1 full5 1 full6 1 full7 1 full8 1 full9 1 (overflow) 1 " ]; echo $?)" \
	"a rolled back DROP (or savepoint) keeps the row (got: $out)"
$PSQL -d stats_current -c "BEGIN; SAVEPOINT a; DROP SERVER full3 CASCADE; RELEASE a; COMMIT"
$PSQL -d stats_current -c "BEGIN; DROP SERVER full4, full5 CASCADE; PREPARE TRANSACTION 'p'" &&
	$PSQL -d stats_current -c "COMMIT PREPARED 'p'"
out=$(rows)
ok "$([ "$out" = "full2 1 full6 1 full7 1 full8 1 full9 1 (overflow) 1 " ]; echo $?)" \
	"a released savepoint's drop frees the row; a prepared drop's rows go at the next read (got: $out)"

# ---- rows of a dropped database go, seen from any database
$PSQL -d postgres -c "CREATE DATABASE stats_gone" &&
	$PSQL -d stats_gone -q -c "CREATE EXTENSION athena_fdw" && servers stats_gone 1 1 &&
	lookups stats_gone 1 1
out=$($PSQL -d stats_current -c "SELECT count(*) FROM athena_fdw_stats WHERE database = 'stats_gone'" 2>&1)
ok "$([ "$out" = 1 ]; echo $?)" "a lookup in another database is counted (got: $out)"
$PSQL -d postgres -c "DROP DATABASE stats_gone"
out=$(rows)
ok "$([ "$out" = "full2 1 full6 1 full7 1 full8 1 full9 1 (overflow) 1 " ]; echo $?)" \
	"DROP DATABASE frees the rows of its servers (got: $out)"

# ---- a role that is not a superuser: at most 8/4 = 2 rows for its servers
$PSQL -d stats_current -c "SELECT athena_fdw_stats_reset()" >/dev/null &&
	$PSQL -d postgres -c "CREATE ROLE regress_stats_owner LOGIN" &&
	$PSQL -d stats_current -c "GRANT USAGE ON FOREIGN DATA WRAPPER athena_fdw TO regress_stats_owner;
		GRANT CREATE ON SCHEMA public TO regress_stats_owner" &&
	servers stats_current 11 13 regress_stats_owner && lookups stats_current 11 13 regress_stats_owner &&
	lookups stats_current 6 9
ok $? "a role that is not a superuser makes three servers and looks up once in each"
out=$(rows)
ok "$([ "$out" = "full11 1 full12 1 full6 1 full7 1 full8 1 full9 1 (overflow) 1 " ]; echo $?)" \
	"its third server is counted in the overflow row; the superuser's servers keep theirs (got: $out)"

$MOCKCTL reset
tap_finish
