#!/usr/bin/env bash
# Benchmark (h): throughput under sporadic throttles, which do not depend on
# the client's rate (the mock's throttle-random: a fraction of requests
# throttled at random, whatever the rate), side by side with boto3 in its
# standard and adaptive retry modes on the same mock, in the same run.
#
#   test/bench/sporadic.sh            prints a markdown table
#   SECONDS_EACH=15 CLIENTS=8 LATENCY_MS=5 FRACTIONS="0 0.03" test/bench/sporadic.sh
#
# The workload, per transaction: one lookup by id, then a 10-id
# = ANY(ARRAY(...)) lookup.  athena_fdw runs it from pgbench with CLIENTS
# clients for SECONDS_EACH seconds; boto3 with CLIENTS threads, the 10 ids on
# a pool of CLIENTS threads, 7 attempts.  Each tool's throughput at each
# fraction is reported with its ratio to its own unthrottled throughput.
# One run of each; athena_fdw without shared_preload_libraries (PRELOAD=1
# preloads it, and the learnt rate is then shared by the backends).
set -euo pipefail

cd "$(dirname "$0")/../.."
. test/lib/cluster.sh
. test/bench/setup.sh

SECONDS_EACH=${SECONDS_EACH:-15}
CLIENTS=${CLIENTS:-8}
LATENCY_MS=${LATENCY_MS:-5}
FRACTIONS=${FRACTIONS:-0 0.03}

trap 'cleanup_all' EXIT
trap 'exit 130' INT TERM

if [ "${PRELOAD:-0}" = 1 ]; then
	bench_start "$LATENCY_MS" "shared_preload_libraries = 'athena_fdw'"
else
	bench_start "$LATENCY_MS"
fi

q() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres -c "$1"; }
json() { $PYTHON -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

q "CREATE EXTENSION athena_fdw" >/dev/null
q "CREATE SERVER mock FOREIGN DATA WRAPPER athena_fdw
	 OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT', max_retries '6')" >/dev/null
q "CREATE USER MAPPING FOR CURRENT_USER SERVER mock
	 OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
			  aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE')" >/dev/null
q "CREATE FOREIGN TABLE s (session_id text, state text) SERVER mock" >/dev/null

cat >"$WORK/txn.sql" <<'SQL'
\set i random(1, 100000)
SELECT state FROM s WHERE session_id = 'gen-' || :i;
SELECT count(*) FROM s
 WHERE session_id = ANY(ARRAY(SELECT 'gen-' || (:i + g) FROM generate_series(1, 10) g));
SQL

declare -A TPS FAILED
for f in $FRACTIONS; do
	$MOCKCTL reset
	$MOCKCTL throttle-random "$f"
	out=$("${CLIENT_CPU[@]}" "$PG_BIN/pgbench" -n -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" \
		-f "$WORK/txn.sql" -d postgres 2>&1 || true)
	TPS[fdw,$f]=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	FAILED[fdw,$f]=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
	[ -n "${FAILED[fdw,$f]}" ] || FAILED[fdw,$f]=$(echo "$out" | grep -c "ERROR" || true)
	$MOCKCTL throttle-random 0
	for mode in standard adaptive; do
		r=$("${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" \
			--threads "$CLIENTS" --transactions "$SECONDS_EACH" \
			--random-throttle "$f" --retry-mode "$mode")
		TPS[$mode,$f]=$(echo "$r" | json tps)
		FAILED[$mode,$f]=$(echo "$r" | json failed)
	done
done

base=${FRACTIONS%% *}
echo "(h) sporadic throttles: $CLIENTS clients, one lookup + a 10-id lookup per transaction, ${LATENCY_MS} ms latency, ${SECONDS_EACH} s each; $PINNING"
echo
echo "| throttled at random | athena_fdw tps (ratio, failed) | boto3 standard | boto3 adaptive |"
echo "|---|---|---|---|"
for f in $FRACTIONS; do
	row="| $f |"
	for tool in fdw standard adaptive; do
		ratio=$($PYTHON -c "print('%.2f' % (float('${TPS[$tool,$f]:-0}') / max(float('${TPS[$tool,$base]:-0}'), 1e-9)))")
		row="$row $(printf '%.1f' "${TPS[$tool,$f]:-0}") ($ratio x, ${FAILED[$tool,$f]:-?} failed) |"
	done
	echo "$row"
done
