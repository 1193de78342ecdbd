#!/usr/bin/env bash
# The shared rate limiter's table, made small: athena_fdw.rate_limits_max
# = 4 and six servers with max_requests_per_second '1'.  Used in turn, no
# server sends more than its limit allows over the whole run (a request
# count bound over the measured window, not a duration: a slow machine only
# widens the window); while scans hold all four entries a fifth server's
# scan fails, and it runs once one of them ends.  And the rate learnt from a
# quota is one for all backends: a backend that comes after one that was
# throttled starts at the learnt rate, where a backend signing with other
# keys (nothing learnt) meets the quota at full speed.
#
# Starts its own cluster (the preload needs one) and uses test/run_all.sh's
# mock: MOCK_PORT, MOCKCTL, PG_CONFIG.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh
. test/lib/cluster.sh

make_workdir
trap 'stop_cluster; rm -rf "$WORK"' EXIT

start_cluster "shared_preload_libraries = 'athena_fdw'" "athena_fdw.rate_limits_max = 4"
ok $? "start a cluster with athena_fdw preloaded and athena_fdw.rate_limits_max = 4"

PSQL="$PG_BIN/psql -X -q -At -v ON_ERROR_STOP=1 -d postgres"
$MOCKCTL reset

out=$($PSQL -c "SHOW athena_fdw.rate_limits_max" 2>&1)
ok "$([ "$out" = 4 ]; echo $?)" "athena_fdw.rate_limits_max is read at preload (got: $out)"

sql="CREATE EXTENSION athena_fdw;"
for i in 1 2 3 4 5 6; do
	sql+="
CREATE SERVER r$i FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_requests_per_second '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER r$i
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE r$i (session_id text, state text) SERVER r$i;"
done
$PSQL -v endpoint="http://127.0.0.1:$MOCK_PORT" <<<"$sql"
ok $? "six servers limited to 1 request per second"

# three rounds over the six servers, one request per scan, in one backend
out=$($PSQL -F ' ' <<'SQL' 2>&1
CREATE TEMP TABLE w AS SELECT clock_timestamp() AS t0;
DO $$
DECLARE
	r int;
	s int;
BEGIN
	FOR r IN 1..3 LOOP
		FOR s IN 1..6 LOOP
			EXECUTE format('SELECT state FROM r%s WHERE session_id = %L', s, 's-idle');
		END LOOP;
	END LOOP;
END $$;
SELECT extract(epoch FROM clock_timestamp() - t0) FROM w;
SQL
)
elapsed=$out
ok "$([[ "$elapsed" =~ ^[0-9.]+$ ]]; echo $?)" "18 scans over six servers (got: $out)"
out=$($PSQL -F ' ' -c "SELECT server, calls FROM athena_fdw_stats ORDER BY server" | tr '\n' ' ')
ok "$([ "$out" = "r1 3 r2 3 r3 3 r4 3 r5 3 r6 3 " ]; echo $?)" "three calls each (got: $out)"
ok "$([ "$($MOCKCTL count GetSessionStatus)" = 18 ]; echo $?)" "the mock saw 18"
# a bucket of 1/s with a burst of 1 lets 1 + 1 x window requests through
out=$($PSQL -c "SELECT count(*) FROM athena_fdw_stats WHERE calls > 1 + $elapsed")
ok "$([ "$out" = 0 ]; echo $?)" "no server sent more than 1 + $elapsed requests in the $elapsed s window (over: $out)"

# scans hold all four entries: a fifth server's scan fails, then runs once
# one of them ends; a rolled back failure leaves nothing held
out=$($PSQL -v ON_ERROR_STOP=0 <<'SQL' 2>&1
BEGIN;
DECLARE c1 CURSOR FOR SELECT state FROM r1 WHERE session_id = 's-idle';
DECLARE c2 CURSOR FOR SELECT state FROM r2 WHERE session_id = 's-idle';
DECLARE c3 CURSOR FOR SELECT state FROM r3 WHERE session_id = 's-idle';
DECLARE c4 CURSOR FOR SELECT state FROM r4 WHERE session_id = 's-idle';
SAVEPOINT a;
SELECT state FROM r5 WHERE session_id = 's-idle';
ROLLBACK TO a;
FETCH c2;
CLOSE c1;
SELECT 'r5', state FROM r5 WHERE session_id = 's-idle';
COMMIT;
SQL
)
expected='ERROR:  too many servers with max_requests_per_second in use at once
DETAIL:  Scans hold all 4 rate limits.
HINT:  Raise "athena_fdw.rate_limits_max".
IDLE
r5|IDLE'
ok "$([ "$out" = "$expected" ]; echo $?)" "four held: the fifth fails; one closed: it runs (got: $(tr '\n' ';' <<<"$out"))"

# a backend that exits holding entries gives them back
$PSQL <<'SQL'
BEGIN;
DECLARE c1 CURSOR FOR SELECT state FROM r1 WHERE session_id = 's-idle';
DECLARE c2 CURSOR FOR SELECT state FROM r2 WHERE session_id = 's-idle';
DECLARE c3 CURSOR FOR SELECT state FROM r3 WHERE session_id = 's-idle';
DECLARE c4 CURSOR FOR SELECT state FROM r4 WHERE session_id = 's-idle';
SQL
out=$($PSQL -c "SELECT state FROM r6 WHERE session_id = 's-idle'" 2>&1)
ok "$([ "$out" = IDLE ]; echo $?)" "after a backend that held four exits, a fifth server runs (got: $out)"

# the learnt rate, shared: a quota of 10/s with a burst of 10
stat() { $MOCKCTL stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
$PSQL -v endpoint="http://127.0.0.1:$MOCK_PORT" <<'SQL'
CREATE SERVER learn FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER learn
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE learn (session_id text, state text) SERVER learn;
CREATE SERVER control FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER control
  OPTIONS (aws_access_key_id 'ASIAMOCKTEMP',
           aws_secret_access_key 'mock/temp/SECRET+key0123456789abcdefEXAMPLE',
           aws_session_token 'mock-session-token/EXAMPLE+0123456789==');
CREATE FOREIGN TABLE control (session_id text, state text) SERVER control;
SQL
lookup() {						# lookup TABLE N: rows of N ids, in a new backend
	$PSQL -c "SELECT count(*) FROM $1 WHERE session_id = ANY(ARRAY(SELECT 'gen-' || i FROM generate_series(0, $2 - 1) i))" 2>&1
}
$MOCKCTL reset
$MOCKCTL quota 10 10
out=$(lookup learn 40)
a=$(stat quota_throttled)
ok "$([ "$out" = 40 ] && [ "$a" -gt 0 ]; echo $?)" "backend A: 40 ids under the quota, throttled $a times, all rows (got: $out)"
out=$(lookup learn 20)
b=$(( $(stat quota_throttled) - a ))
ok "$([ "$out" = 20 ]; echo $?)" "backend B, same keys, right after: all rows (got: $out)"
out=$(lookup control 20)
c=$(( $(stat quota_throttled) - a - b ))
ok "$([ "$out" = 20 ]; echo $?)" "backend C, other keys: all rows (got: $out)"
# C's first 8 requests go at once into the quota's empty bucket; B's go at
# the rate A learnt, and meet only the throttles of its probing above it
ok "$([ "$c" -ge 6 ] && [ $((2 * b)) -le "$c" ]; echo $?)" "B starts at the learnt rate (throttled $b times, at most half of C's), C at full speed (throttled $c times, 6 or more)"
$MOCKCTL quota 0

$MOCKCTL reset
tap_finish
