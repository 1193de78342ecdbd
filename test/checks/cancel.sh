#!/usr/bin/env bash
# Cancel, statement_timeout and pg_terminate_backend stop a scan that waits
# on an endpoint that never answers (the mock's "hang" fault), or that sleeps
# before a retry (HTTP 429 with a long Retry-After), or that the rate limiter
# holds back (max_requests_per_second).  Asserts outcomes: the waiting
# backend shows wait_event_type 'Extension' in pg_stat_activity (it waits on
# its latch), with the wait event named for what it waits for on 17+
# (AthenaRequest, AthenaRetryBackoff, AthenaRateLimit; 'Extension' before),
# the right error, nothing left in flight at the mock, no retry sent after
# the cancel, the backend (or a new one) still works.  How long each cancel
# took is printed as a TAP diagnostic, never asserted: machines are noisy.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL (set by test/run_all.sh).
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/check_db.sh"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=0"
DB=athena_check_cancel
TMP=$(mktemp -d /tmp/athena_cancel.XXXXXX)
BGPID=

check_cleanup() {
	if [ -n "$BGPID" ]; then
		kill "$BGPID" 2>/dev/null
		wait "$BGPID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
check_database $DB

now_ms() { date +%s%3N; }

# Waits up to 10 s until the mock has seen at least $1 requests and has at
# least $2 in flight.
wait_mock() {
	local i st
	for i in $(seq 1 200); do
		st=$($MOCKCTL stats)
		if /usr/bin/python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s["requests"] >= int(sys.argv[2]) and s["in_flight"] >= int(sys.argv[3]) else 1)' "$st" "$1" "$2"; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# The wait_event_type/wait_event a scan waiting in phase $1 (request,
# backoff, rate) shows: named on 17+, 'Extension' on 15 and 16.
NAMED_WAITS=$($PSQL -At -d $DB -c "SELECT current_setting('server_version_num')::int >= 170000")
expected_wait() {
	if [ "$NAMED_WAITS" != t ]; then
		echo Extension/Extension
		return
	fi
	case "$1" in
		request) echo Extension/AthenaRequest ;;
		backoff) echo Extension/AthenaRetryBackoff ;;
		rate) echo Extension/AthenaRateLimit ;;
	esac
}

# Samples the wait of backend $1 until it shows $2 (at most 10 s); prints
# what it saw last.
wait_event_of() {
	local i seen
	for i in $(seq 1 200); do
		seen=$($PSQL -At -d $DB -c "SELECT coalesce(wait_event_type, '-') || '/' || coalesce(wait_event, '-') FROM pg_stat_activity WHERE pid = $1")
		[ "$seen" = "$2" ] && break
		sleep 0.05
	done
	echo "$seen"
}

# pid of the backend with this application_name running a query, or "".
backend_pid() {
	local i pid
	for i in $(seq 1 100); do
		pid=$($PSQL -At -d $DB -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active'")
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
	return 1
}

$PSQL -d $DB >/dev/null <<EOF || { echo "Bail out! cannot set up"; exit 1; }
-- long timeouts and many retries: only the cancel can end these scans soon
$(mock_server_sql hang "max_retries '20', request_timeout_ms '600000'")
CREATE FOREIGN TABLE s (session_id text, state text) SERVER hang;
EOF

QUERY="SELECT session_id, state FROM s WHERE session_id IN ('s-idle', 's-busy', 's-failed', 's-created')"

# --- statement_timeout, in a request and in a backoff sleep ---
for phase in request backoff; do
	$MOCKCTL reset
	if [ $phase = request ]; then
		$MOCKCTL fault hang -1
	else
		$MOCKCTL fault http429 -1 --retry-after 600
	fi
	# one session: the timed-out statement, then the next query
	out=$($PSQL -d $DB 2>&1 <<EOF
\timing on
SET statement_timeout = 200;
$QUERY;
RESET statement_timeout;
\! $MOCKCTL reset
SELECT session_id, state FROM s WHERE session_id = 's-idle';
EOF
)
	echo "$out" | grep -q "ERROR:  canceling statement due to statement timeout"
	ok $? "statement_timeout in a $phase: canceling statement due to statement timeout"
	# psql prints the time of the failed statement; the timeout was 200 ms
	ms=$(echo "$out" | sed -n '/statement timeout/{n;s/^Time: \([0-9.]*\) ms.*/\1/p}')
	echo "# statement_timeout in a $phase: the statement ended after ${ms:-?} ms (timeout 200 ms)"
	echo "$out" | grep -q "^ s-idle     | IDLE"
	ok $? "statement_timeout in a $phase: the same backend answers the next query"
	[ "$($MOCKCTL idle)" = 0 ]
	ok $? "statement_timeout in a $phase: no request left in flight at the mock"
done

# --- pg_cancel_backend and pg_terminate_backend from a second session ---
# runs in the background: the scan, then (if the session survives) a reset
# of the mock and one more query
start_victim() {				# start_victim name
	PGAPPNAME=$1 $PSQL -d $DB >"$TMP/$1.out" 2>&1 <<EOF &
$QUERY;
\! echo "ended at \$(date +%s%3N)"
\! $MOCKCTL reset
SELECT 'after', session_id, state FROM s WHERE session_id = 's-idle';
EOF
	BGPID=$!
}

for phase in request backoff; do
	for how in cancel terminate; do
		name="${how}_$phase"
		$MOCKCTL reset
		if [ $phase = request ]; then
			$MOCKCTL fault hang -1
		else
			$MOCKCTL fault http429 -1 --retry-after 600
		fi
		start_victim "$name"
		pid=$(backend_pid "$name")
		if [ $phase = request ]; then
			# all four requests are hanging
			wait_mock 4 4
		else
			# all four were answered 429 and wait 20 s (the cap) to retry
			wait_mock 4 0 && sleep 0.3
		fi
		ok $? "$how in a $phase: the scan is waiting (pid ${pid:-none})"
		want=$(expected_wait $phase)
		seen=$(wait_event_of "${pid:-0}" "$want")
		[ "$seen" = "$want" ]
		ok $? "$how in a $phase: pg_stat_activity shows the wait as $want (saw ${seen:-nothing})"
		# the server's clock just before the signal; the victim prints the
		# time it got the error back (for terminate: when its psql exited)
		t0=$($PSQL -d $DB -At -c "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint, pg_${how}_backend($pid)" | cut -d'|' -f1)
		wait "$BGPID"
		t1=$(now_ms)
		BGPID=
		t_err=$(sed -n 's/^ended at \([0-9]*\)$/\1/p' "$TMP/$name.out")
		echo "# $how in a $phase: $how took $(( ${t_err:-$t1} - t0 )) ms (signal to error in the session)"
		sent=$($MOCKCTL count)
		if [ $how = cancel ]; then
			grep -q "ERROR:  canceling statement due to user request" "$TMP/$name.out"
			ok $? "$how in a $phase: canceling statement due to user request"
			grep -q "^ after    | s-idle     | IDLE" "$TMP/$name.out"
			ok $? "$how in a $phase: the same backend answers the next query"
			# the victim's \! reset zeroed the counter: its last query only
			[ "$sent" = 1 ]
			ok $? "$how in a $phase: no retry was sent after the cancel (mock saw $sent after the reset)"
		else
			grep -q "FATAL:  terminating connection due to administrator command" "$TMP/$name.out"
			ok $? "$how in a $phase: terminating connection due to administrator command"
			gone=1
			for _ in $(seq 1 100); do
				[ -z "$($PSQL -At -d $DB -c "SELECT 1 FROM pg_stat_activity WHERE pid = $pid")" ] && { gone=0; break; }
				sleep 0.05
			done
			ok $gone "$how in a $phase: the backend is gone"
			[ "$sent" = 4 ]
			ok $? "$how in a $phase: no retry was sent after the signal (mock saw $sent)"
			$MOCKCTL reset
			[ "$($PSQL -At -d $DB -c "SELECT state FROM s WHERE session_id = 's-idle'")" = IDLE ]
			ok $? "$how in a $phase: a new session works"
		fi
		[ "$($MOCKCTL idle)" = 0 ]
		ok $? "$how in a $phase: no request left in flight at the mock"
	done
done

# --- pg_cancel_backend while the rate limiter holds the next request back:
# one request per 20 s, so the first of four goes and the scan waits ---
$PSQL -d $DB >/dev/null <<EOF
$(mock_server_sql slow "max_requests_per_second '0.05'")
CREATE FOREIGN TABLE slow_s (session_id text, state text) SERVER slow;
EOF
$MOCKCTL reset
PGAPPNAME=cancel_rate $PSQL -d $DB >"$TMP/cancel_rate.out" 2>&1 <<EOF &
SELECT session_id, state FROM slow_s WHERE session_id IN ('s-idle', 's-busy', 's-failed', 's-created');
\! $MOCKCTL reset
SELECT 'after', session_id, state FROM s WHERE session_id = 's-idle';
EOF
BGPID=$!
pid=$(backend_pid cancel_rate)
wait_mock 1 0
ok $? "cancel in a rate limit wait: the first request was answered (pid ${pid:-none})"
want=$(expected_wait rate)
seen=$(wait_event_of "${pid:-0}" "$want")
[ "$seen" = "$want" ]
ok $? "cancel in a rate limit wait: pg_stat_activity shows the wait as $want (saw ${seen:-nothing})"
sent=$($MOCKCTL count)
[ "$sent" = 1 ]
ok $? "cancel in a rate limit wait: the limiter let one request go (mock saw $sent)"
$PSQL -d $DB -At -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$BGPID"
BGPID=
grep -q "ERROR:  canceling statement due to user request" "$TMP/cancel_rate.out"
ok $? "cancel in a rate limit wait: canceling statement due to user request"
grep -q "^ after    | s-idle     | IDLE" "$TMP/cancel_rate.out"
ok $? "cancel in a rate limit wait: the same backend answers the next query"
sent=$($MOCKCTL count)
[ "$sent" = 1 ]
ok $? "cancel in a rate limit wait: nothing more was sent after the cancel (mock saw $sent after the reset)"

# --- a DELETE terminated by pg_terminate_backend while it terminates:
# the ids it had terminated reach the server log ---
$PSQL -d $DB >/dev/null <<EOF
$(mock_server_sql serial "max_concurrency '1', request_timeout_ms '600000'")
CREATE FOREIGN TABLE serial_s (session_id text, state text) SERVER serial;
EOF
$MOCKCTL reset
$MOCKCTL fault hang 1 --op TerminateSession --skip 2
PGAPPNAME=delete_victim $PSQL -d $DB >"$TMP/delete_victim.out" 2>&1 <<EOF &
DELETE FROM serial_s WHERE session_id IN ('gen-k1', 'gen-k2', 'gen-k3', 'gen-k4');
EOF
BGPID=$!
pid=$(backend_pid delete_victim)
# two terminated, the third hanging
wait_mock 5 1
ok $? "terminate during a DELETE: two sessions terminated, the third call waits (pid ${pid:-none})"
$PSQL -d $DB -At -c "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$BGPID"
BGPID=
grep -q "FATAL:  terminating connection due to administrator command" "$TMP/delete_victim.out"
ok $? "terminate during a DELETE: terminating connection due to administrator command"
found=1
for _ in $(seq 1 100); do
	grep -q "athena_fdw: a DELETE that ended early had terminated 2 sessions: gen-k1, gen-k2" "$PG_LOG" && { found=0; break; }
	sleep 0.05
done
ok $found "terminate during a DELETE: the server log names the 2 sessions it had terminated"
[ "$($MOCKCTL terminations | tr '\n' ' ')" = "gen-k1 IDLE gen-k2 IDLE " ]
ok $? "terminate during a DELETE: the mock terminated exactly those"
[ "$($MOCKCTL idle)" = 0 ]
ok $? "terminate during a DELETE: no request left in flight at the mock"

tap_finish
