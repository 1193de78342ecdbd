#!/usr/bin/env bash
# A batched join under UPDATE ... FROM rechecks rows a concurrent transaction
# changed (EvalPlanQual) exactly as the nested loop would: session A changes
# two jobs and holds their locks; session B's UPDATE ... FROM athena_sessions
# waits for them, then rechecks each against the session row it already
# fetched.  A job whose session_id A changed no longer joins and is left
# alone; a job A only touched elsewhere is updated over A's change.  The
# recheck asks Athena nothing: the mock counts the join's lookups only.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL (set by test/run_all.sh).
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/check_db.sh"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
DB=athena_check_join_recheck
TMP=$(mktemp -d /tmp/athena_join_recheck.XXXXXX)
A_PID=
B_PID=

check_cleanup() {
	exec 3>&- 2>/dev/null
	for pid in $A_PID $B_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$TMP"
}
check_database $DB
$PSQL -d $DB >/dev/null <<EOF || { echo "Bail out! cannot set up"; exit 1; }
$(mock_server_sql athena)
CREATE FOREIGN TABLE athena_sessions (session_id text, state text) SERVER athena;
CREATE TABLE jobs (job_id int PRIMARY KEY, session_id text, state text);
INSERT INTO jobs VALUES (1, 's-idle', NULL), (2, 's-busy', NULL), (3, 's-failed', NULL);
ANALYZE jobs;
EOF

UPDATE_SQL="UPDATE jobs t SET state = s.state FROM athena_sessions s WHERE s.session_id = t.session_id"

$PSQL -At -d $DB -c "EXPLAIN (COSTS OFF) $UPDATE_SQL" >"$TMP/plan"
grep -q "AthenaBatchedJoin" "$TMP/plan"
ok $? "UPDATE ... FROM athena_sessions runs as a batched join"

# session A: change two jobs and keep their row locks until told to commit
mkfifo "$TMP/a.in"
$PSQL -d $DB <"$TMP/a.in" >"$TMP/a.out" 2>&1 &
A_PID=$!
exec 3>"$TMP/a.in"
cat >&3 <<EOF
BEGIN;
UPDATE jobs SET session_id = 's-terminated' WHERE job_id = 1;
UPDATE jobs SET state = 'set by A' WHERE job_id = 2;
\! touch $TMP/a.ready
EOF
for _ in $(seq 1 200); do [ -e "$TMP/a.ready" ] && break; sleep 0.05; done
[ -e "$TMP/a.ready" ]
ok $? "session A holds its row locks"

# session B: the batched UPDATE, which waits for A's rows
$MOCKCTL reset
PGAPPNAME=join_recheck_b $PSQL -At -d $DB -c "$UPDATE_SQL" >"$TMP/b.out" 2>&1 &
B_PID=$!
waiting=0
for _ in $(seq 1 200); do
	waiting=$($PSQL -At -d $DB -c "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'join_recheck_b' AND wait_event_type = 'Lock'")
	[ "$waiting" = 1 ] && break
	sleep 0.05
done
ok $([ "$waiting" = 1 ]; echo $?) "session B waits for session A's row lock"

echo "COMMIT;" >&3
exec 3>&-
wait "$A_PID"
ok $? "session A commits"
A_PID=
wait "$B_PID"
ok $? "session B's UPDATE finishes after the recheck"
B_PID=

rows=$($PSQL -At -d $DB -c "SELECT job_id, session_id, coalesce(state, '-') FROM jobs ORDER BY 1" | tr '\n' ' ')
expected="1|s-terminated|- 2|s-busy|BUSY 3|s-failed|FAILED "
[ "$rows" = "$expected" ]
ok $? "rows after the recheck: job 1 no longer joins, job 2 updated over A's change ($rows)"

# three distinct ids looked up once each; the recheck sends nothing
count=$($MOCKCTL count GetSessionStatus)
[ "$count" = 3 ]
ok $? "3 GetSessionStatus requests for the UPDATE, none for its recheck (mock counted $count)"

tap_finish
