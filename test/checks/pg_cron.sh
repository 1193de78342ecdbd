#!/usr/bin/env bash
# pg_cron jobs against the real scheduler (Debian's postgresql-NN-cron of the
# server tested: pg_cron 1.4 on 15, 1.6 on 17 and 18; jobs here run at most
# once a minute): a cluster of its own with
# pg_cron preloaded and background workers, and four jobs scheduled a few
# seconds before a minute boundary:
#   (a) snapshot  every minute, the watched sessions into a history table
#   (b) terminate the sessions of one workgroup idle for over 30 minutes
#                 (DELETE on a ListSessions scan)
#   (c) broken    a user mapping with a wrong secret: the run fails with
#                 the AWS error in cron.job_run_details, and no secret
#   (d) as_user   a non-superuser role with its own user mapping
# and the README cookbook's calculation jobs:
#   (e) stop_long      stop calculations RUNNING for over an hour
#   (f) dpu_daily      a day's DPU of a workgroup into a local table
#   (g) office_start   a session started (first tick only) and
#       office_stop    terminated (second tick only), its id kept locally
#   (h) nightly_start  a calculation started (first tick), and
#       nightly_collect its result URI collected (second tick)
# It waits for two ticks and checks rows, terminations, stops and starts
# (as the mock recorded them) and the statuses in cron.job_run_details.
# About two minutes.
#
# Uses the mock of test/run_all.sh (MOCK_PORT, MOCKCTL) when there is one,
# else starts its own; always starts its own cluster.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/cluster.sh"

export AWS_EC2_METADATA_DISABLED=true
WRONG_SECRET='WRONG/cron+secret/never+shown'
OWN_MOCK=

cleanup() {
	[ -n "$OWN_MOCK" ] || $MOCKCTL reset >/dev/null 2>&1
	cleanup_all
}
trap cleanup EXIT

started=$(date +%s)
make_workdir
if [ -z "${MOCK_PORT:-}" ]; then
	OWN_MOCK=1
	start_mock || { echo "Bail out! cannot start the mock"; exit 1; }
fi
start_cluster "shared_preload_libraries = 'pg_cron'" \
	"cron.use_background_workers = on" \
	"cron.database_name = 'crondb'" \
	"max_worker_processes = 16" \
	"cron.log_min_messages = warning" ||
	{ echo "Bail out! cannot start a cluster with pg_cron"; exit 1; }

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
SQL="$PG_BIN/psql -X -A -t -v ON_ERROR_STOP=1 -d crondb"

$PSQL -d postgres -c "CREATE DATABASE crondb" >/dev/null ||
	{ echo "Bail out! cannot create database"; exit 1; }
$PSQL -d crondb >/dev/null <<EOF || { echo "Bail out! cannot set up"; exit 1; }
CREATE EXTENSION pg_cron;
CREATE EXTENSION athena_fdw;
CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT');
CREATE USER MAPPING FOR postgres SERVER athena
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public;

-- (a): the sessions to watch, and their history
CREATE TABLE watched (session_id text PRIMARY KEY);
INSERT INTO watched VALUES ('la-busy'), ('la-idle-1'), ('gen-w1');
CREATE TABLE session_history (
  taken_at timestamptz NOT NULL,
  session_id text NOT NULL,
  state text,
  idle_since_date_time timestamptz,
  PRIMARY KEY (taken_at, session_id)
);

-- (c): a mapping with a wrong secret
CREATE SERVER broken FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT', max_retries '0');
CREATE USER MAPPING FOR postgres SERVER broken
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key '$WRONG_SECRET');
CREATE FOREIGN TABLE broken_sessions (session_id text, state text) SERVER broken;

-- (d): a role that is not a superuser, with its own (temporary) keys
CREATE ROLE cron_user LOGIN;
GRANT USAGE ON FOREIGN SERVER athena TO cron_user;
GRANT SELECT ON athena_sessions TO cron_user;
CREATE USER MAPPING FOR cron_user SERVER athena
  OPTIONS (aws_access_key_id 'ASIAMOCKTEMP',
           aws_secret_access_key 'mock/temp/SECRET+key0123456789abcdefEXAMPLE',
           aws_session_token 'mock-session-token/EXAMPLE+0123456789==');
CREATE TABLE user_history (taken_at timestamptz, session_id text, state text);
ALTER TABLE user_history OWNER TO cron_user;
ALTER ROLE cron_user SET statement_timeout = '50s';

-- (f), (g), (h)
CREATE TABLE dpu_daily (day date, workgroup text, calculations bigint,
                        dpu_hours numeric, PRIMARY KEY (day, workgroup));
CREATE FOREIGN TABLE etl_calculations (session_id text, submission_date_time timestamptz,
                                       dpu_execution_in_millis bigint)
  SERVER athena OPTIONS (table_name 'athena_calculations', workgroup 'spark-etl');
CREATE TABLE office_sessions (session_id text PRIMARY KEY, started_at timestamptz);
CREATE TABLE nightly_runs (calculation_execution_id text PRIMARY KEY,
                           started_at timestamptz, state text, result_s3_uri text);
EOF
ok $? "cluster with pg_cron $($SQL -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'") and athena_fdw set up"

# Schedules the jobs with at least 6 s left before the next minute, so
# that the scheduler has them when the minute comes.
sec=$((10#$(date +%S)))
if [ "$sec" -gt 53 ]; then
	sleep $((61 - sec))
fi
$SQL >/dev/null <<'EOF'
SELECT cron.schedule('snapshot', '* * * * *', $$
  INSERT INTO session_history (taken_at, session_id, state, idle_since_date_time)
  SELECT now(), s.session_id, s.state, s.idle_since_date_time
    FROM athena_sessions s
   WHERE s.session_id = ANY(ARRAY(SELECT session_id FROM watched))
$$);
SELECT cron.schedule('terminate', '* * * * *', $$
  DELETE FROM athena_sessions
   WHERE workgroup = 'spark-analytics'
     AND state = 'IDLE' AND idle_since_date_time < now() - interval '30 minutes'
$$);
SELECT cron.schedule('broken', '* * * * *',
  $$SELECT count(*) FROM broken_sessions WHERE session_id = 's-idle'$$);
SELECT cron.schedule_in_database('as_user', '* * * * *', $$
  INSERT INTO user_history SELECT now(), session_id, state
    FROM athena_sessions WHERE session_id = 's-busy'
$$, 'crondb', 'cron_user');
SELECT cron.schedule('stop_long', '* * * * *', $$
  DELETE FROM athena_calculations
   WHERE state = 'RUNNING' AND submission_date_time < now() - interval '1 hour'
$$);
SELECT cron.schedule('dpu_daily', '* * * * *', $$
  INSERT INTO dpu_daily
  SELECT date '2023-11-16', 'spark-etl', count(*),
         coalesce(sum(dpu_execution_in_millis), 0) / 3600000.0
    FROM etl_calculations
   WHERE submission_date_time >= date '2023-11-16'
     AND submission_date_time < date '2023-11-17'
  ON CONFLICT (day, workgroup) DO UPDATE
    SET calculations = EXCLUDED.calculations, dpu_hours = EXCLUDED.dpu_hours
$$);
EOF
ok $? "six jobs scheduled at second $((10#$(date +%S)))"
# (g) and (h) start in the first tick's minute and end in the second's
first=$(((10#$(date +%M) + 1) % 60))
second=$(((first + 1) % 60))
$SQL >/dev/null <<EOF
SELECT cron.schedule('office_start', '$first * * * *', \$\$
  WITH s AS (
    INSERT INTO athena_sessions (workgroup, description, max_concurrent_dpus)
    VALUES ('spark-analytics', 'office hours', 20)
    RETURNING session_id)
  INSERT INTO office_sessions SELECT session_id, now() FROM s
\$\$);
SELECT cron.schedule('office_stop', '$second * * * *', \$\$
  DELETE FROM athena_sessions
   WHERE session_id = ANY(ARRAY(SELECT session_id FROM office_sessions))
\$\$);
SELECT cron.schedule('nightly_start', '$first * * * *', \$\$
  WITH c AS (
    INSERT INTO athena_calculations (session_id, code_block, description)
    VALUES ('le-idle', 'spark.sql("INSERT INTO reports SELECT 1")', 'nightly report')
    RETURNING calculation_execution_id)
  INSERT INTO nightly_runs (calculation_execution_id, started_at)
  SELECT calculation_execution_id, now() FROM c
\$\$);
SELECT cron.schedule('nightly_collect', '$second * * * *', \$\$
  UPDATE nightly_runs n SET state = c.state, result_s3_uri = c.result_s3_uri
    FROM athena_calculations c
   WHERE c.calculation_execution_id = n.calculation_execution_id
     AND n.result_s3_uri IS NULL
\$\$);
EOF
ok $? "four more jobs for minutes $first and $second"
$MOCKCTL reset

# Waits until n runs in all have finished; at most 90 s each.
wait_runs() {
	local n=$1 i done
	for i in $(seq 1 900); do
		done=$($SQL -c "SELECT count(*) FROM cron.job_run_details
		                 WHERE status IN ('succeeded', 'failed')")
		[ "$done" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# status|first line of return_message of job $1's run number $2
run_of() {
	$SQL -c "SELECT d.status || '|' || split_part(d.return_message, E'\n', 1)
	           FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	          WHERE j.jobname = '$1'
	          ORDER BY d.runid OFFSET $(($2 - 1)) LIMIT 1"
}

# --- the first tick: the six every-minute jobs and two starts ---
wait_runs 8
ok $? "every job of the first minute ran (at $(date +%T))"

got=$(run_of snapshot 1)
ok $([ "$got" = "succeeded|INSERT 0 3" ]; echo $?) "(a) snapshot: succeeded, 3 rows ($got)"
got=$($SQL -c "SELECT string_agg(session_id || ' ' || state, ', ' ORDER BY session_id)
                 FROM session_history WHERE session_id <> 'la-idle-1'")
ok $([ "$got" = "gen-w1 IDLE, la-busy BUSY" ]; echo $?) "(a) snapshot rows: $got"

got=$(run_of terminate 1)
ok $([ "$got" = "succeeded|DELETE 2" ]; echo $?) "(b) terminate: succeeded, 2 sessions terminated ($got)"
got=$($MOCKCTL terminations | tr '\n' ',')
ok $([ "$got" = "la-idle-1 IDLE,la-idle-2 IDLE," ]; echo $?) "(b) the mock terminated exactly la-idle-1 and la-idle-2 ($got)"

got=$(run_of broken 1)
case "$got" in
	"failed|ERROR: Athena GetSessionStatus failed: InvalidSignatureException: "*) rc=0 ;;
	*) rc=1 ;;
esac
ok $rc "(c) broken: failed with the AWS error ($got)"
echo "# (c) return_message: $($SQL -c "SELECT replace(d.return_message, E'\n', ' | ')
  FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'broken' LIMIT 1")"
got=$($SQL -c "SELECT count(*) FROM cron.job_run_details
                WHERE strpos(return_message, '$WRONG_SECRET') > 0")
ok $([ "$got" = 0 ]; echo $?) "(c) no secret in any return_message"

got=$(run_of as_user 1)
ok $([ "$got" = "succeeded|INSERT 0 1" ]; echo $?) "(d) as_user: succeeded ($got)"
got=$($SQL -c "SELECT d.username FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                WHERE j.jobname = 'as_user' LIMIT 1")
ok $([ "$got" = cron_user ]; echo $?) "(d) ran as $got"
got=$($SQL -c "SELECT string_agg(session_id || ' ' || state, ',') FROM user_history")
ok $([ "$got" = "s-busy BUSY" ]; echo $?) "(d) its row: $got"

got=$(run_of stop_long 1)
ok $([ "$got" = "succeeded|DELETE 1" ]; echo $?) "(e) stop_long: succeeded, 1 calculation stopped ($got)"
got=$($MOCKCTL stops | tr '\n' ',')
ok $([ "$got" = "c-busy-running RUNNING," ]; echo $?) "(e) the mock stopped exactly c-busy-running ($got)"
got=$(run_of dpu_daily 1)
ok $([ "$got" = "succeeded|INSERT 0 1" ]; echo $?) "(f) dpu_daily: succeeded ($got)"
got=$($SQL -c "SELECT day || ' ' || workgroup || ' ' || calculations || ' ' || round(dpu_hours, 3) FROM dpu_daily")
ok $([ "$got" = "2023-11-16 spark-etl 1 0.000" ]; echo $?) "(f) its row: $got"
got=$(run_of office_start 1)
ok $([ "$got" = "succeeded|INSERT 0 1" ]; echo $?) "(g) office_start: succeeded ($got)"
got=$($SQL -c "SELECT string_agg(session_id, ',') FROM office_sessions")
ok $([ "$got" = "started-0001" ]; echo $?) "(g) the session started: $got"
got=$(run_of nightly_start 1)
ok $([ "$got" = "succeeded|INSERT 0 1" ]; echo $?) "(h) nightly_start: succeeded ($got)"
got=$($MOCKCTL tokens)
ok $([ "$got" = "2 requests 2 distinct tokens" ]; echo $?) "(g), (h) one token per start ($got)"

# --- the second tick: the snapshot again, which now sees la-idle-1 ended ---
wait_runs 16
ok $? "every job of the second minute ran (at $(date +%T))"
got=$($SQL -c "SELECT count(DISTINCT taken_at) || ' ' || count(*) FROM session_history")
ok $([ "$got" = "2 6" ]; echo $?) "(a) two snapshots of 3 sessions ($got)"
got=$($SQL -c "SELECT state FROM session_history WHERE session_id = 'la-idle-1'
                ORDER BY taken_at DESC LIMIT 1")
ok $([ "$got" = TERMINATED ]; echo $?) "(a) the second snapshot shows la-idle-1 $got"
got=$(run_of terminate 2)
ok $([ "$got" = "succeeded|DELETE 0" ]; echo $?) "(b) nothing left to terminate ($got)"
got=$($MOCKCTL count TerminateSession)
ok $([ "$got" = 3 ]; echo $?) "TerminateSession called $got times in all ((b) 2, (g) 1)"
got=$($MOCKCTL requests ListSessions | grep -c '"StateFilter":"IDLE"')
ok $([ "$got" = 2 ]; echo $?) "(b) one ListSessions per run ($got)"
got=$(run_of stop_long 2)
ok $([ "$got" = "succeeded|DELETE 0" ]; echo $?) "(e) nothing left to stop ($got)"
got=$(run_of office_stop 1)
ok $([ "$got" = "succeeded|DELETE 1" ]; echo $?) "(g) office_stop: succeeded ($got)"
got=$($MOCKCTL terminations | grep started-)
ok $([ "$got" = "started-0001 IDLE" ]; echo $?) "(g) the mock terminated the office session ($got)"
got=$(run_of nightly_collect 1)
ok $([ "$got" = "succeeded|UPDATE 1" ]; echo $?) "(h) nightly_collect: succeeded ($got)"
got=$($SQL -c "SELECT calculation_execution_id || ' ' || state || ' ' || result_s3_uri FROM nightly_runs")
ok $([ "$got" = "calc-0001 COMPLETED s3://athena-spark-bucket/analytics/le-idle/calc-0001/result.json" ]; echo $?) "(h) its result: $got"
got=$(run_of broken 2 | cut -d'|' -f1)
ok $([ "$got" = failed ]; echo $?) "(c) failed again: $got"
got=$($MOCKCTL sigfail)
ok $([ "$got" = 2 ]; echo $?) "(c) one rejected signature per run ($got)"
got=$($SQL -c "SELECT count(*) FROM user_history")
ok $([ "$got" = 2 ]; echo $?) "(d) two rows"

ok $(grep -qF "$WRONG_SECRET" "$PG_LOG"; [ $? -ne 0 ]; echo $?) "no secret in the server log"
echo "# the check took $(($(date +%s) - started)) s"

tap_finish
