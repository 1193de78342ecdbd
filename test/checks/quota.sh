#!/usr/bin/env bash
# Client-side rate limits.  A bulk lookup against the mock's token-bucket
# quota completes, with every throttled request retried and nothing else:
# the mock counts exactly one request per id plus one per throttled answer,
# and EXPLAIN ANALYZE reports those same numbers.  A query waiting for a
# max_requests_per_second token is cancelled at once, and sends nothing
# more.  How long the lookup and the cancel took is printed as a TAP
# diagnostic, never asserted.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL (set by test/run_all.sh).
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=0"
DB=athena_check_quota
TMP=$(mktemp -d /tmp/athena_quota.XXXXXX)
BGPID=
IDS=100

cleanup() {
	if [ -n "$BGPID" ]; then
		kill "$BGPID" 2>/dev/null
		wait "$BGPID" 2>/dev/null
	fi
	$MOCKCTL reset >/dev/null 2>&1
	$MOCKCTL quota 0 >/dev/null 2>&1
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
stat() { $MOCKCTL stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
$PSQL -d postgres -c "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create database"; exit 1; }
$PSQL -d $DB >/dev/null <<EOF || { echo "Bail out! cannot set up"; exit 1; }
CREATE EXTENSION athena_fdw;
-- default settings: what a user meets first
CREATE SERVER quota FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT');
-- one token every 100 s, and a burst of one
CREATE SERVER slow FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT',
           max_requests_per_second '0.01');
CREATE USER MAPPING FOR CURRENT_USER SERVER quota
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE USER MAPPING FOR CURRENT_USER SERVER slow
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE s (session_id text, state text) SERVER quota;
CREATE FOREIGN TABLE slow_s (session_id text, state text) SERVER slow;
EOF

# --- a throttled bulk lookup completes with the requests the mock counts ---
# 100 ids against 40/s with a burst of 40: the burst is gone after the
# first 40 answers, so the quota throttles for certain
$MOCKCTL reset
$MOCKCTL quota 40 40
t0=$(now_ms)
out=$($PSQL -At -d $DB 2>&1 <<EOF
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT session_id, state FROM s
 WHERE session_id = ANY(ARRAY(SELECT 'gen-' || i FROM generate_series(1, $IDS) i));
SELECT count(*), count(DISTINCT session_id), min(state), max(state) FROM s
 WHERE session_id = ANY(ARRAY(SELECT 'gen-' || i FROM generate_series(1, $IDS) i));
EOF
)
t1=$(now_ms)
requests=$(stat requests)
throttled=$(stat quota_throttled)
calls=$(echo "$out" | sed -n 's/^ *API Calls: //p')
explained_throttled=$(echo "$out" | sed -n 's/^ *API Throttled: //p')
rows=$(echo "$out" | grep "^[0-9]*|[0-9]*|IDLE|IDLE$")
echo "# two lookups of $IDS ids under 40/s, burst 40: $((t1 - t0)) ms, $requests requests, $throttled throttled"
echo "$out" | grep -q ERROR && echo "$out" | sed "s/^/# /"
[ "$rows" = "$IDS|$IDS|IDLE|IDLE" ]
ok $? "throttled bulk lookup: all $IDS rows (got ${rows:-nothing})"
[ "$throttled" -gt 0 ]
ok $? "the quota throttled some requests ($throttled)"
[ "$requests" -eq $((2 * IDS + throttled)) ]
ok $? "the mock counted one request per id and one per throttled answer ($requests = 2 x $IDS + $throttled)"
[ -n "$calls" ] && [ -n "$explained_throttled" ] &&
	[ "$((calls + 0))" -eq $((IDS + explained_throttled)) ]
ok $? "EXPLAIN ANALYZE: API Calls = ids + API Throttled (${calls:-?} = $IDS + ${explained_throttled:-?})"
$MOCKCTL quota 0

# --- sporadic throttles (3 % at random, whatever the rate) are retried,
# and do not slow the rate down: two lookups in one session, the second
# with the learnt state of the first ---
$MOCKCTL reset
$MOCKCTL throttle-random 0.03
out=$($PSQL -At -d $DB 2>&1 <<EOF
SELECT count(*), count(DISTINCT session_id) FROM s
 WHERE session_id = ANY(ARRAY(SELECT 'gen-r' || i FROM generate_series(1, 400) i));
SELECT count(*), count(DISTINCT session_id) FROM s
 WHERE session_id = ANY(ARRAY(SELECT 'gen-q' || i FROM generate_series(1, 400) i));
EOF
)
requests=$(stat requests)
throttled=$(stat quota_throttled)
echo "# 2 x 400 ids with 3 % random throttles: $requests requests, $throttled throttled"
[ "$(echo "$out" | tr '\n' ' ')" = "400|400 400|400 " ]
ok $? "sporadic throttles: every row of both lookups (got $(echo "$out" | tr '\n' ' '))"
[ "$requests" -eq $((800 + throttled)) ] && [ "$throttled" -gt 0 ]
ok $? "sporadic throttles: one request per id and one per throttled answer ($requests = 800 + $throttled)"
$MOCKCTL throttle-random 0

# --- cancel while waiting for a max_requests_per_second token ---
$MOCKCTL reset
PGAPPNAME=quota_victim $PSQL -d $DB >"$TMP/victim.out" 2>&1 <<EOF &
SELECT session_id, state FROM slow_s WHERE session_id IN ('s-idle', 's-busy', 's-failed');
\! echo "ended at \$(date +%s%3N)"
SELECT 'alive';
EOF
BGPID=$!
# the first request takes the only token; the next waits 100 s for one
for _ in $(seq 1 100); do
	[ "$(stat requests)" -ge 1 ] && [ "$(stat in_flight)" = 0 ] && break
	sleep 0.05
done
sleep 0.3
pid=$($PSQL -At -d $DB -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'quota_victim' AND state = 'active'")
t0=$($PSQL -d $DB -At -c "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint, pg_cancel_backend(${pid:-0})" | cut -d'|' -f1)
wait "$BGPID"
BGPID=
t_err=$(sed -n 's/^ended at \([0-9]*\)$/\1/p' "$TMP/victim.out")
echo "# cancel during a limiter wait took $(( ${t_err:-$(now_ms)} - t0 )) ms (signal to error in the session)"
grep -q "ERROR:  canceling statement due to user request" "$TMP/victim.out"
ok $? "cancel during a limiter wait: canceling statement due to user request"
grep -q "^ alive" "$TMP/victim.out"
ok $? "cancel during a limiter wait: the same backend answers the next query"
sleep 0.2
[ "$(stat requests)" = 1 ]
ok $? "cancel during a limiter wait: only the first request was ever sent ($(stat requests))"

tap_finish
