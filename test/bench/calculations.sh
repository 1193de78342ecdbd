#!/usr/bin/env bash
# The calculations of S sessions (20 each, one ListCalculationExecutions
# page per session) on the local Athena mock with latency:
#   join     SELECT ... FROM watched w JOIN athena_calculations c
#            ON c.session_id = w.session_id: a parameterized nested loop,
#            one listing per outer row, one after the other
#   any      ... WHERE session_id = ANY(ARRAY(SELECT session_id FROM
#            watched)): the listings side by side, max_concurrency C
#   boto3    list_calculation_executions of the same sessions on a pool of
#            C threads (one client, C pooled connections)
# against the concurrent floor ceil(S/C) x latency.  The mock's counts are
# checked each round (S listings, no other call).
#
#   test/bench/calculations.sh        S=50 C=16 LATENCY_MS=20 ROUNDS=3
#
# Builds and installs the extension, starts its own mock and throwaway
# cluster (test/lib/cluster.sh) and always stops both.  With two CPUs or
# more the mock is pinned to the last CPU and the backends and boto3 to
# CPU 0.
set -euo pipefail

cd "$(dirname "$0")/../.."
. test/lib/cluster.sh
. test/bench/setup.sh

S=${S:-50}
C=${C:-16}
LATENCY_MS=${LATENCY_MS:-20}
ROUNDS=${ROUNDS:-3}

trap 'cleanup_all' EXIT
trap 'exit 130' INT TERM

bench_start "$LATENCY_MS"

q() {
	"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres -c "$1"
}

# the generated workgroup gen-S: sessions gen-S-00000 ..., 20 calculations each
q "CREATE EXTENSION athena_fdw
 ; CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
	 OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT',
			  max_concurrency '$C')
 ; CREATE USER MAPPING FOR CURRENT_USER SERVER athena
	 OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
			  aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE')
 ; IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public
 ; CREATE TABLE watched AS
	 SELECT 'gen-$S-' || lpad(i::text, 5, '0') AS session_id
	   FROM generate_series(0, $S - 1) i
 ; ANALYZE watched" >/dev/null

JOIN_SQL="SELECT count(*) FROM watched w JOIN athena_calculations c ON c.session_id = w.session_id"
ANY_SQL="SELECT count(*) FROM athena_calculations WHERE session_id = ANY(ARRAY(SELECT session_id FROM watched))"

# ms of one query, after a mock reset; checks the rows and the calls
run_query() {
	local out ms rows
	$MOCKCTL reset
	out=$("${CLIENT_CPU[@]}" "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres \
		-c '\timing on' -c "$1")
	rows=$(printf '%s\n' "$out" | head -1)
	ms=$(printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
	[ "$rows" = $((S * 20)) ] || { echo "expected $((S * 20)) rows, got $rows" >&2; exit 1; }
	[ "$($MOCKCTL count ListCalculationExecutions)" = "$S" ] ||
		{ echo "expected $S ListCalculationExecutions calls" >&2; exit 1; }
	[ "$($MOCKCTL count)" = "$S" ] || { echo "expected no other call" >&2; exit 1; }
	echo "$ms"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

q "EXPLAIN (COSTS OFF) $JOIN_SQL" | grep -q "Nested Loop" ||
	{ echo "the join is not a nested loop" >&2; exit 1; }
run_query "$ANY_SQL" >/dev/null	# warm-up: connections, caches
join=$(for _ in $(seq "$ROUNDS"); do run_query "$JOIN_SQL"; done | median)
any=$(for _ in $(seq "$ROUNDS"); do run_query "$ANY_SQL"; done | median)

boto=$("${CLIENT_CPU[@]}" /usr/bin/python3 - "$MOCK_PORT" "$S" "$C" "$ROUNDS" <<'PY'
import statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
import boto3
from botocore.config import Config

port, s, c, rounds = (int(x) for x in sys.argv[1:])
client = boto3.session.Session(
    aws_access_key_id="AKIDMOCKSTATIC",
    aws_secret_access_key="mock/static/SECRET+key0123456789abcdefEXAMPLE",
    region_name="us-east-1",
).client("athena", endpoint_url="http://127.0.0.1:%d" % port,
         config=Config(max_pool_connections=c,
                       retries={"max_attempts": 1, "mode": "standard"}))
sessions = ["gen-%d-%05d" % (s, i) for i in range(s)]

def calculations(sid):
    out, kw = [], {"SessionId": sid, "MaxResults": 100}
    while True:
        page = client.list_calculation_executions(**kw)
        out += page["Calculations"]
        if "NextToken" not in page:
            return out
        kw["NextToken"] = page["NextToken"]

with ThreadPoolExecutor(c) as pool:
    list(pool.map(calculations, sessions))  # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.monotonic()
        n = sum(len(x) for x in pool.map(calculations, sessions))
        times.append((time.monotonic() - t0) * 1000)
        assert n == s * 20, n
print("%.1f" % statistics.median(times))
PY
)

floor=$(((S + C - 1) / C * LATENCY_MS))
printf '%s sessions x 20 calculations, max_concurrency %s, latency %s ms, median of %s rounds; %s\n' \
	"$S" "$C" "$LATENCY_MS" "$ROUNDS" "$PINNING"
printf '| query | time | floor | ratio to floor |\n|---|---|---|---|\n'
printf '| join (parameterized nested loop) | %.0f ms | %s ms | %.2f |\n' \
	"$join" "$floor" "$(echo "$join / $floor" | bc -l)"
printf '| session_id = ANY(ARRAY(SELECT ...)) | %.0f ms | %s ms | %.2f |\n' \
	"$any" "$floor" "$(echo "$any / $floor" | bc -l)"
printf '| boto3, %s threads | %.0f ms | %s ms | %.2f |\n' \
	"$C" "$boto" "$floor" "$(echo "$boto / $floor" | bc -l)"
