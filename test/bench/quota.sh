#!/usr/bin/env bash
# Benchmarks (e) and (f): athena_fdw under an API quota, on the mock's token
# bucket (test/mock/mock_athena.py --quota-rps / mockctl quota).
#
#   test/bench/quota.sh               prints a markdown table
#   QUOTA_RPS=40 QUOTA_BURST=40 QUOTA_IDS=400 LATENCY_MS=20 test/bench/quota.sh
#
# test/bench/run.sh calls it after its own table.  Builds and installs the
# extension, starts its own mock and a throwaway cluster with athena_fdw in
# shared_preload_libraries, and always stops both.  One run of each, each
# against a fresh, full quota bucket:
#   (e) QUOTA_IDS ids via = ANY(ARRAY(SELECT ...)), default settings: wall
#       time against the floor (QUOTA_IDS - QUOTA_BURST) / QUOTA_RPS and
#       against boto3 in its standard and adaptive retry modes (8 threads,
#       botocore's default 3 attempts), with the throttled answers (as the
#       mock counted them) and the failures of each
#   (f) max_requests_per_second = QUOTA_RPS on the server, two backends at
#       once, QUOTA_IDS ids each: the throttled answers
#   (i) recovery: right after (e), the quota lifted, a 480-id lookup runs
#       again and again: the seconds until one takes <= 1.1 x the time it
#       took before (e), on a fresh limiter (boto3 keeps its rate in the
#       process, and every boto3 run here is a new one: no figure to put
#       beside it)
#   (j) a small burst: J_IDS ids (default 40) against QUOTA_RPS with a burst
#       of J_BURST (default 10), after RATE_RECOVERY (20 s) with no cut, so
#       that nothing learnt in (e) is left: wall time against the floor
#       (J_IDS - J_BURST) / QUOTA_RPS, throttled answers, beside boto3
# The mock is pinned to the last CPU when there are two or more (PIN=0
# turns this off), as in run.sh.
set -euo pipefail

cd "$(dirname "$0")/../.."
. test/lib/cluster.sh
. test/bench/setup.sh

QUOTA_RPS=${QUOTA_RPS:-40}
QUOTA_BURST=${QUOTA_BURST:-40}
QUOTA_IDS=${QUOTA_IDS:-400}
J_IDS=${J_IDS:-40}
J_BURST=${J_BURST:-10}
LATENCY_MS=${LATENCY_MS:-20}
BOTO_THREADS=8

trap 'cleanup_all' EXIT
trap 'exit 130' INT TERM

bench_start "$LATENCY_MS" "shared_preload_libraries = 'athena_fdw'"

q() {							# q SQL: one value, unaligned
	"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres -c "$1"
}
stat() { $MOCKCTL stats | $PYTHON -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
json() { $PYTHON -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# (e) signs with the static keys, (f) with the temporary ones: the adaptive
# rate is kept per access key, so (f) starts with nothing learnt in (e)
q "CREATE EXTENSION athena_fdw" >/dev/null
q "CREATE SERVER quota FOREIGN DATA WRAPPER athena_fdw
	 OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT')" >/dev/null
q "CREATE SERVER limited FOREIGN DATA WRAPPER athena_fdw
	 OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT',
			  max_requests_per_second '$QUOTA_RPS')" >/dev/null
q "CREATE USER MAPPING FOR CURRENT_USER SERVER quota
	 OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
			  aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE')" >/dev/null
q "CREATE USER MAPPING FOR CURRENT_USER SERVER limited
	 OPTIONS (aws_access_key_id 'ASIAMOCKTEMP',
			  aws_secret_access_key 'mock/temp/SECRET+key0123456789abcdefEXAMPLE',
			  aws_session_token 'mock-session-token/EXAMPLE+0123456789==')" >/dev/null
q "CREATE FOREIGN TABLE e_sessions (session_id text, state text) SERVER quota" >/dev/null
q "CREATE FOREIGN TABLE f_sessions (session_id text, state text) SERVER limited" >/dev/null
q "CREATE TABLE jobs AS SELECT i AS job_id, 'gen-' || i AS session_id
	 FROM generate_series(0, $QUOTA_IDS - 1) i; ANALYZE jobs" >/dev/null
q "CREATE TABLE i_jobs AS SELECT i AS job_id, 'gen-' || i AS session_id
	 FROM generate_series(0, 479) i; ANALYZE i_jobs" >/dev/null
q "CREATE TABLE j_jobs AS SELECT i AS job_id, 'gen-' || i AS session_id
	 FROM generate_series(0, $J_IDS - 1) i; ANALYZE j_jobs" >/dev/null

# runs SQL in a new backend; prints "<wall ms> <rows or ERROR: ...>"
timed_query() {					# timed_query TABLE [IDS_TABLE]
	"$PG_BIN/psql" -X -Atq -d postgres 2>&1 <<EOF | tail -1
\\set t0 \`date +%s%3N\`
SELECT (SELECT count(*) FROM $1 WHERE session_id = ANY(ARRAY(SELECT session_id FROM ${2:-jobs})))::text AS n \\gset
\\set t1 \`date +%s%3N\`
SELECT (:t1 - :t0) || ' ' || :'n';
EOF
}

echo "running (i) baseline: 480 ids, no quota ..." >&2
$MOCKCTL reset
I_BASE=0
for k in 1 2 3; do				# the best of 3, on a limiter with nothing learnt
	o=$(timed_query e_sessions i_jobs)
	if [ "$I_BASE" = 0 ] || [ "${o%% *}" -lt "$I_BASE" ]; then I_BASE=${o%% *}; fi
done

# the meter forgets the baseline's answers after a second: without this
# pause, (e)'s first cut would start from the baseline's rate, far above the
# quota (and a throttled id, retried at once, can fail all its attempts)
sleep 2

echo "running (e) athena_fdw ..." >&2
$MOCKCTL reset
$MOCKCTL quota "$QUOTA_RPS" "$QUOTA_BURST"
E_OUT=$(timed_query e_sessions)
E_MS=${E_OUT%% *}
E_ROWS=${E_OUT#* }
E_THROTTLED=$(stat quota_throttled)
E_REQUESTS=$(stat requests)
if [ "$E_ROWS" = "$QUOTA_IDS" ]; then E_FAILED=0; else E_FAILED="query failed: $E_OUT"; E_MS=0; fi

echo "running (i) recovery ..." >&2
$MOCKCTL quota 0
I_T0=$(date +%s%3N)
I_RUNS=0
I_SEC=never
while [ $(( $(date +%s%3N) - I_T0 )) -lt 60000 ]; do
	o=$(timed_query e_sessions i_jobs)
	I_RUNS=$((I_RUNS + 1))
	if [ "${o#* }" = 480 ] && [ "${o%% *}" -le $(( I_BASE * 11 / 10 )) ]; then
		I_SEC=$(awk -v ms=$(( $(date +%s%3N) - I_T0 )) 'BEGIN { printf "%.1f", ms / 1000 }')
		break
	fi
done
I_MET=$(awk -v s="$I_SEC" 'BEGIN { print (s != "never" && s <= 20) ? "met" : "MISSED" }')

boto() {						# boto MODE: the JSON of one quota round
	"${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" \
		--ids "$QUOTA_IDS" --threads "$BOTO_THREADS" \
		--quota "$QUOTA_RPS,$QUOTA_BURST" --retry-mode "$1"
}
echo "running (e) boto3 standard ..." >&2
BS=$(boto standard)
echo "running (e) boto3 adaptive ..." >&2
BA=$(boto adaptive)

echo "running (j) small burst, after 21 s without a cut ..." >&2
sleep 21
$MOCKCTL reset
$MOCKCTL quota "$QUOTA_RPS" "$J_BURST"
J_OUT=$(timed_query e_sessions j_jobs)
J_MS=${J_OUT%% *}
J_THROTTLED=$(stat quota_throttled)
if [ "${J_OUT#* }" = "$J_IDS" ]; then J_FAILED=0; else J_FAILED="query failed: $J_OUT"; J_MS=0; fi
jboto() {
	"${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" \
		--ids "$J_IDS" --threads "$BOTO_THREADS" \
		--quota "$QUOTA_RPS,$J_BURST" --retry-mode "$1"
}
JS=$(jboto standard)
JA=$(jboto adaptive)

echo "running (f) two backends ..." >&2
$MOCKCTL reset
$MOCKCTL quota "$QUOTA_RPS" "$QUOTA_BURST"
timed_query f_sessions >"$WORK/f1.out" &
F1=$!
timed_query f_sessions >"$WORK/f2.out" &
F2=$!
wait $F1 $F2
F_THROTTLED=$(stat quota_throttled)
F_REQUESTS=$(stat requests)
F1_OUT=$(cat "$WORK/f1.out")
F2_OUT=$(cat "$WORK/f2.out")
F_OK=1
for o in "$F1_OUT" "$F2_OUT"; do [ "${o#* }" = "$QUOTA_IDS" ] || F_OK=0; done
$MOCKCTL quota 0

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", 100 * a / b }'; }
E_FLOOR=$(awk -v n="$QUOTA_IDS" -v b="$QUOTA_BURST" -v r="$QUOTA_RPS" 'BEGIN { printf "%.0f", (n - b) / r * 1000 }')
F_FLOOR=$(awk -v n="$QUOTA_IDS" -v b="$QUOTA_BURST" -v r="$QUOTA_RPS" 'BEGIN { printf "%.0f", (2 * n - b) / r * 1000 }')
E_MET=$(awk -v ms="$E_MS" -v f="$E_FLOOR" -v t="$E_THROTTLED" -v n="$QUOTA_IDS" -v failed="$E_FAILED" \
	'BEGIN { print (failed == "0" && ms <= 1.10 * f && t <= 0.05 * n) ? "met" : "MISSED" }')
F_MET=$(awk -v t="$F_THROTTLED" -v n="$QUOTA_IDS" -v ok="$F_OK" \
	'BEGIN { print (ok && t <= 0.02 * 2 * n) ? "met" : "MISSED" }')
boto_row() {					# boto_row MODE JSON
	local ms thr failed
	ms=$(echo "$2" | json wall_ms)
	thr=$(echo "$2" | json throttled)
	failed=$(echo "$2" | json failed)
	printf '| (e) same ids, boto3 %s retry mode, %d threads | %s ms | boto3 %.0f ms (%s x floor), %d throttled, %d failed | %s | (for reference) | |\n' \
		"$1" "$BOTO_THREADS" "$E_MS" "$ms" "$(ratio "$ms" "$E_FLOOR")" "$thr" "$failed" "$(ratio "$E_MS" "$ms")"
}

J_FLOOR=$(awk -v n="$J_IDS" -v b="$J_BURST" -v r="$QUOTA_RPS" 'BEGIN { printf "%.0f", (n - b) / r * 1000 }')
J_MET=$(awk -v ms="$J_MS" -v f="$J_FLOOR" -v t="$J_THROTTLED" -v n="$J_IDS" -v failed="$J_FAILED" \
	'BEGIN { print (failed == "0" && ms <= 1.2 * f && t <= 2 * n) ? "met" : "MISSED" }')
jboto_row() {					# jboto_row MODE JSON
	printf '| (j) same ids, boto3 %s retry mode, %d threads | %s ms | boto3 %.0f ms (%s x floor), %d throttled, %d failed | %s | (for reference) | |\n' \
		"$1" "$BOTO_THREADS" "$J_MS" "$(echo "$2" | json wall_ms)" \
		"$(ratio "$(echo "$2" | json wall_ms)" "$J_FLOOR")" \
		"$(echo "$2" | json throttled)" "$(echo "$2" | json failed)" \
		"$(ratio "$J_MS" "$(echo "$2" | json wall_ms)")"
}

cat <<EOF

Under an API quota: the mock's token bucket of ${QUOTA_RPS}/s with a burst of $QUOTA_BURST, latency
${LATENCY_MS} ms, athena_fdw in shared_preload_libraries; one run of each, each against a full bucket.

| measurement | athena_fdw | reference | ratio | target | |
|---|---|---|---|---|---|
| (e) $QUOTA_IDS ids under a ${QUOTA_RPS}/s quota (burst $QUOTA_BURST), default settings | $E_MS ms, $E_THROTTLED throttled, $E_FAILED failed ($E_REQUESTS requests) | floor $E_FLOOR ms | $(ratio "$E_MS" "$E_FLOOR") | <= 1.10, throttled <= 5 % of ids, no failure | $E_MET |
$(boto_row standard "$BS")
$(boto_row adaptive "$BA")
| (i) recovery: after (e), the quota lifted, until a 480-id lookup takes <= 1.1 x its $I_BASE ms before (e) | $I_SEC s ($I_RUNS lookups) | boto3: a new process each run, nothing to recover | | <= 20 s | $I_MET |
| (j) $J_IDS ids under a ${QUOTA_RPS}/s quota with a small burst ($J_BURST), default settings | $J_MS ms, $J_THROTTLED throttled, $J_FAILED failed | floor $J_FLOOR ms | $(ratio "$J_MS" "$J_FLOOR") | <= 1.2, throttled <= 2 per id, no failure | $J_MET |
$(jboto_row standard "$JS")
$(jboto_row adaptive "$JA")
| (f) max_requests_per_second $QUOTA_RPS, two backends x $QUOTA_IDS ids at once (preloaded) | ${F1_OUT%% *} / ${F2_OUT%% *} ms, $F_THROTTLED throttled ($(pct "$F_THROTTLED" $((2 * QUOTA_IDS))) of $((2 * QUOTA_IDS)) ids), $F_REQUESTS requests | floor $F_FLOOR ms | $(ratio "$(echo "${F1_OUT%% *} ${F2_OUT%% *}" | awk '{ print ($1 > $2) ? $1 : $2 }')" "$F_FLOOR") | <= 2 % throttled | $F_MET |
EOF
[ "$F_OK" = 1 ] || echo "(f) failed: $F1_OUT / $F2_OUT" >&2
