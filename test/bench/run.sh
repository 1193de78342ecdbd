#!/usr/bin/env bash
# Benchmark of athena_fdw against boto3 and against the physical floor, on the
# local Athena mock (test/mock/mock_athena.py) with configurable latency.
#
#   test/bench/run.sh                 everything; prints a markdown table
#   LATENCY_MS=20 ROUNDS=5 CPU_ROUNDS=10 test/bench/run.sh
#
# Installs missing Debian packages (scripts/install-deps.sh), builds and
# installs the extension, starts its own mock and throwaway cluster
# (test/lib/cluster.sh) and always stops both.  Measurements:
#   (a) 480 ids via = ANY(ARRAY(SELECT ...)), max_concurrency 16, LATENCY_MS;
#       against boto3 (16 threads, one client with 16 pooled connections)
#       on the same ids, and against the floor ceil(480/16) x LATENCY_MS
#   (b) 50 single-id queries in one psql session: TCP connections the mock
#       accepted for them
#   (c) backend CPU per call (utime+stime of /proc/<pid>/stat) over
#       2,000 ids at 0 ms latency, against boto3's (getrusage)
#   (d) nested-loop join of 100 local rows (parameterized rescans, one call
#       each) against the floor 100 x LATENCY_MS
#   (g) batched join of 200 local rows, max_concurrency 16, LATENCY_MS:
#       against = ANY(ARRAY(SELECT ...)) on the same ids and against the
#       floor ceil(200/16) x LATENCY_MS
#   (h) a list scan of 1,000 sessions in one workgroup (10 pages of 100),
#       LATENCY_MS: against the floor 10 x LATENCY_MS, and boto3 listing
#       the same pages
#   (i) the same list with one detail column (1,000 GetSession calls,
#       max_concurrency 16): against boto3 listing the same pages, then
#       get_session with 16 threads
#   (e), (f) under an API quota: test/bench/quota.sh, run last in a
#       cluster and mock of its own (QUOTA=0 skips it)
# The mock runs on the same machine: its own per-request cost is part of
# every wall time here (boto3's as well).  With two CPUs or more, the mock is
# pinned to the last CPU and PostgreSQL's backends, boto3 and the C client to
# CPU 0, so that the measured side never shares a CPU with the mock
# (PIN=0 turns this off).
set -euo pipefail

cd "$(dirname "$0")/../.."
. test/lib/cluster.sh
. test/bench/setup.sh

LATENCY_MS=${LATENCY_MS:-20}
ROUNDS=${ROUNDS:-5}				# timed rounds of (a), (d); median reported
CPU_ROUNDS=${CPU_ROUNDS:-10}	# rounds of 2,000 ids for (c)
A_IDS=480
A_CONC=16
C_IDS=2000
D_ROWS=100
G_ROWS=200
H_ROWS=1000					# the mock's workgroup gen-1000
B_QUERIES=50

trap 'cleanup_all' EXIT
trap 'exit 130' INT TERM

bench_start "$LATENCY_MS" "shared_buffers = 128MB"
make -s -C test/bench c_client >/dev/null

NCPU=$(nproc)

CLK_TCK=$(getconf CLK_TCK)

q() {							# q SQL: one value, unaligned
	"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres -c "$1"
}

q "CREATE EXTENSION athena_fdw" >/dev/null
q "CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
	 OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT',
			  max_concurrency '$A_CONC')" >/dev/null
q "CREATE USER MAPPING FOR CURRENT_USER SERVER athena
	 OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
			  aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE')" >/dev/null
q "IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public" >/dev/null
q "CREATE TABLE jobs AS
	 SELECT i AS job_id, 'gen-' || i AS session_id FROM generate_series(0, $C_IDS - 1) i;
   ANALYZE jobs" >/dev/null
# wall milliseconds of each run of a statement, measured in the backend
q "CREATE FUNCTION bench_ms(stmt text, rounds int) RETURNS SETOF float8
	 LANGUAGE plpgsql AS \$\$
   DECLARE t0 timestamptz;
   BEGIN
	 FOR i IN 1 .. rounds LOOP
	   t0 := clock_timestamp();
	   EXECUTE stmt;
	   RETURN NEXT extract(epoch FROM clock_timestamp() - t0) * 1000;
	 END LOOP;
   END \$\$" >/dev/null
# the same for two statements, alternating
q "CREATE FUNCTION bench_pair_ms(stmt1 text, stmt2 text, rounds int)
	 RETURNS TABLE (ms1 float8, ms2 float8) LANGUAGE plpgsql AS \$\$
   DECLARE t0 timestamptz;
   BEGIN
	 FOR i IN 1 .. rounds LOOP
	   t0 := clock_timestamp();
	   EXECUTE stmt1;
	   ms1 := extract(epoch FROM clock_timestamp() - t0) * 1000;
	   t0 := clock_timestamp();
	   EXECUTE stmt2;
	   ms2 := extract(epoch FROM clock_timestamp() - t0) * 1000;
	   RETURN NEXT;
	 END LOOP;
   END \$\$" >/dev/null
q "CREATE FUNCTION median(float8[]) RETURNS float8 LANGUAGE sql AS
	 \$\$ SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(\$1) x \$\$" >/dev/null

A_SQL="SELECT count(*) FROM athena_sessions WHERE session_id = ANY(ARRAY(SELECT session_id FROM jobs WHERE job_id < $A_IDS))"
# OFFSET 0 keeps the subquery a parameterized scan: a nested loop of rescans
D_SQL="SELECT count(*) FROM (SELECT * FROM jobs WHERE job_id < $D_ROWS) j,
	LATERAL (SELECT * FROM athena_sessions s WHERE s.session_id = j.session_id OFFSET 0) s"
G_SQL="SELECT count(*) FROM jobs j JOIN athena_sessions s ON s.session_id = j.session_id WHERE j.job_id < $G_ROWS"
G_ANY_SQL="SELECT count(*) FROM athena_sessions WHERE session_id = ANY(ARRAY(SELECT session_id FROM jobs WHERE job_id < $G_ROWS))"

H_SQL="SELECT count(*) FROM athena_sessions WHERE workgroup = 'gen-$H_ROWS'"
I_SQL="SELECT count(dpu_execution_in_millis) FROM athena_sessions WHERE workgroup = 'gen-$H_ROWS'"

# every statement must return all its rows, or the timings mean nothing
[ "$(q "$A_SQL")" = "$A_IDS" ] || { echo "(a) returned the wrong row count" >&2; exit 1; }
q "EXPLAIN (COSTS OFF) $D_SQL" | grep -q "Nested Loop" ||
	{ echo "(d) is not planned as a nested loop" >&2; exit 1; }
q "EXPLAIN (COSTS OFF) $G_SQL" | grep -q "AthenaBatchedJoin" ||
	{ echo "(g) is not planned as a batched join" >&2; exit 1; }
for sql in "$G_SQL" "$G_ANY_SQL"; do
	[ "$(q "$sql")" = "$G_ROWS" ] || { echo "(g) returned the wrong row count" >&2; exit 1; }
done
for sql in "$H_SQL" "$I_SQL"; do
	[ "$(q "$sql")" = "$H_ROWS" ] || { echo "(h)/(i) returned the wrong row count" >&2; exit 1; }
done

echo "running (a) athena_fdw ..." >&2
# one backend: a warm-up run opens the connections, then ROUNDS timed runs
A_MS=$(q "SELECT median(array_agg(t)) FROM bench_ms(\$q\$$A_SQL\$q\$, 1 + $ROUNDS) WITH ORDINALITY AS b(t, n) WHERE n > 1")
A_FLOOR=$(( (A_IDS + A_CONC - 1) / A_CONC * LATENCY_MS ))

echo "running (a) boto3 ..." >&2
BOTO_A=$("${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" --ids "$A_IDS" \
	--threads "$A_CONC" --rounds "$ROUNDS")
BOTO_A_MS=$(echo "$BOTO_A" | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')

echo "running (a) C core without PostgreSQL ..." >&2
CORE_A_MS=$("${CLIENT_CPU[@]}" test/bench/c_client "$MOCK_PORT" "$A_CONC" "$A_IDS" $((ROUNDS + 1)) |
	awk 'NR > 1 { print $5 }' | sort -n |
	awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

echo "running (b) ..." >&2
$MOCKCTL reset				# latency back to LATENCY_MS, counters zero
B_START=$(date +%s%N)
for i in $(seq 0 $((B_QUERIES - 1))); do
	echo "SELECT state FROM athena_sessions WHERE session_id = 'gen-b$i';"
done | "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres >"$WORK/b.out"
B_MS_PER_QUERY=$(( ($(date +%s%N) - B_START) / 1000000 / B_QUERIES ))
B_CONNS=$($MOCKCTL conns)
B_COUNT=$($MOCKCTL count GetSessionStatus)
[ "$(grep -c IDLE "$WORK/b.out")" = "$B_QUERIES" ] ||
	{ echo "(b) returned the wrong rows" >&2; exit 1; }

echo "running (c) athena_fdw ..." >&2
$MOCKCTL latency 0
C_SQL="SELECT count(*) FROM athena_sessions WHERE session_id = ANY(ARRAY(SELECT session_id FROM jobs))"
"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres >"$WORK/c.out" <<EOF
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
$C_SQL;
\! awk '{ print \$14 + \$15 }' /proc/\$BACKEND_PID/stat > $WORK/c.before
SELECT sum(t) FROM bench_ms(\$q\$$C_SQL\$q\$, $CPU_ROUNDS) AS b(t);
\! awk '{ print \$14 + \$15 }' /proc/\$BACKEND_PID/stat > $WORK/c.after
EOF
C_TICKS=$(( $(cat "$WORK/c.after") - $(cat "$WORK/c.before") ))
C_CALLS=$(( C_IDS * CPU_ROUNDS ))
C_WALL_US=$(awk -v ms="$(tail -1 "$WORK/c.out")" -v n="$C_CALLS" 'BEGIN { printf "%.0f", ms * 1000 / n }')
C_US=$(awk -v t="$C_TICKS" -v hz="$CLK_TCK" -v n="$C_CALLS" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')

echo "running (c) boto3 ..." >&2
BOTO_C=$("${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" --ids "$C_IDS" \
	--threads "$A_CONC" --rounds 3)
BOTO_C_US=$(echo "$BOTO_C" | $PYTHON -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["cpu_us_per_call"])')

echo "running (d) ..." >&2
$MOCKCTL reset				# latency back to LATENCY_MS, counters zero
D_MS=$(q "SELECT median(array_agg(t)) FROM bench_ms(\$q\$$D_SQL\$q\$, 1 + $ROUNDS) WITH ORDINALITY AS b(t, n) WHERE n > 1")
D_CONNS=$($MOCKCTL conns)
D_FLOOR=$(( D_ROWS * LATENCY_MS ))

echo "running (g) ..." >&2
$MOCKCTL reset
# the join and the = ANY form alternate in one backend, so that both see the
# same machine; one warm-up run of each first
G_MS_PAIR=$(q "SELECT median(array_agg(ms1)) || ' ' || median(array_agg(ms2))
	FROM bench_pair_ms(\$q\$$G_SQL\$q\$, \$q\$$G_ANY_SQL\$q\$, 1 + $ROUNDS)
		 WITH ORDINALITY AS b(ms1, ms2, n) WHERE n > 1")
G_MS=${G_MS_PAIR% *}
G_ANY_MS=${G_MS_PAIR#* }
G_COUNT=$($MOCKCTL count GetSessionStatus)
G_FLOOR=$(( (G_ROWS + A_CONC - 1) / A_CONC * LATENCY_MS ))

echo "running (h), (i) athena_fdw ..." >&2
$MOCKCTL reset
H_MS=$(q "SELECT median(array_agg(t)) FROM bench_ms(\$q\$$H_SQL\$q\$, 1 + $ROUNDS) WITH ORDINALITY AS b(t, n) WHERE n > 1")
H_PAGES=$($MOCKCTL count ListSessions)
H_FLOOR=$(( (H_ROWS + 99) / 100 * LATENCY_MS ))
$MOCKCTL reset
I_MS=$(q "SELECT median(array_agg(t)) FROM bench_ms(\$q\$$I_SQL\$q\$, 1 + $ROUNDS) WITH ORDINALITY AS b(t, n) WHERE n > 1")
I_CALLS=$($MOCKCTL count GetSession)
# listing first, then the details a window at a time, as boto3 does them
I_FLOOR=$(( ((H_ROWS + 99) / 100 + (H_ROWS + A_CONC - 1) / A_CONC) * LATENCY_MS ))
echo "running (h), (i) boto3 ..." >&2
BOTO_H=$("${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" \
	--list-workgroup "gen-$H_ROWS" --threads "$A_CONC" --rounds "$ROUNDS")
BOTO_H_MS=$(echo "$BOTO_H" | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')
BOTO_I=$("${CLIENT_CPU[@]}" $PYTHON test/bench/boto3_bench.py --port "$MOCK_PORT" \
	--list-workgroup "gen-$H_ROWS" --details --threads "$A_CONC" --rounds "$ROUNDS")
BOTO_I_MS=$(echo "$BOTO_I" | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# verdict VALUE LIMIT [DIVISOR]: whether VALUE / DIVISOR <= LIMIT, unrounded
verdict() { awk -v v="$1" -v m="$2" -v d="${3:-1}" 'BEGIN { print (v / d <= m) ? "met" : "MISSED" }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.0f ms", v }'; }

A_R_FLOOR=$(ratio "$A_MS" "$A_FLOOR")
A_R_BOTO=$(ratio "$A_MS" "$BOTO_A_MS")
C_R_BOTO=$(ratio "$C_US" "$BOTO_C_US")
D_R_FLOOR=$(ratio "$D_MS" "$D_FLOOR")
G_R_FLOOR=$(ratio "$G_MS" "$G_FLOOR")
G_R_ANY=$(ratio "$G_MS" "$G_ANY_MS")

cat <<EOF

Machine: $NCPU CPUs, $(. /etc/os-release && echo "$PRETTY_NAME"), loopback; the Python mock runs
on the same machine ($PINNING). Latency ${LATENCY_MS} ms; medians of $ROUNDS runs after a warm-up.

| measurement | athena_fdw | reference | ratio | target | |
|---|---|---|---|---|---|
| (a) $A_IDS ids, \`= ANY(ARRAY(SELECT ...))\`, max_concurrency $A_CONC | $(ms "$A_MS") | floor ${A_FLOOR} ms | $A_R_FLOOR | <= 1.10 | $(verdict "$A_MS" 1.10 "$A_FLOOR") |
| (a) same ids, boto3 with $A_CONC threads | $(ms "$A_MS") | boto3 $(ms "$BOTO_A_MS") | $A_R_BOTO | < 1.00 | $(verdict "$A_MS" 0.9999 "$BOTO_A_MS") |
| (a) same ids, the C core alone (test/bench/c_client) | $(ms "$CORE_A_MS") | floor ${A_FLOOR} ms | $(ratio "$CORE_A_MS" "$A_FLOOR") | (for reference) | |
| (b) $B_QUERIES single-id queries in one session | $B_CONNS TCP connection(s), $B_COUNT calls, ${B_MS_PER_QUERY} ms/query | | | 1 connection | $(verdict "$B_CONNS" 1) |
| (c) backend CPU per call, $C_IDS ids x $CPU_ROUNDS, 0 ms | ${C_US} µs | boto3 ${BOTO_C_US} µs | $C_R_BOTO | <= 100 µs, <= 0.20 | $(verdict "$C_US" 100) / $(verdict "$C_US" 0.20 "$BOTO_C_US") |
| (d) nested loop, $D_ROWS local rows | $(ms "$D_MS") ($D_CONNS connection(s)) | floor ${D_FLOOR} ms | $D_R_FLOOR | <= 1.10 | $(verdict "$D_MS" 1.10 "$D_FLOOR") |
| (g) batched join, $G_ROWS local rows, max_concurrency $A_CONC | $(ms "$G_MS") | floor ${G_FLOOR} ms | $G_R_FLOOR | <= 1.30 | $(verdict "$G_MS" 1.30 "$G_FLOOR") |
| (g) same ids, \`= ANY(ARRAY(SELECT ...))\` | $(ms "$G_MS") | ANY $(ms "$G_ANY_MS") | $G_R_ANY | <= 1.10 | $(verdict "$G_MS" 1.10 "$G_ANY_MS") |
| (h) list scan, $H_ROWS sessions of one workgroup | $(ms "$H_MS") | floor ${H_FLOOR} ms | $(ratio "$H_MS" "$H_FLOOR") | <= 1.20 | $(verdict "$H_MS" 1.20 "$H_FLOOR") |
| (h) same list, boto3 | $(ms "$H_MS") | boto3 $(ms "$BOTO_H_MS") | $(ratio "$H_MS" "$BOTO_H_MS") | (for reference) | |
| (i) same list, one detail column ($H_ROWS GetSession) | $(ms "$I_MS") | boto3 $(ms "$BOTO_I_MS") | $(ratio "$I_MS" "$BOTO_I_MS") | < 1.00 | $(verdict "$I_MS" 0.9999 "$BOTO_I_MS") |
| (i) same | $(ms "$I_MS") | list-then-details floor ${I_FLOOR} ms | $(ratio "$I_MS" "$I_FLOOR") | (for reference) | |

(h): $H_PAGES ListSessions calls for $((ROUNDS + 1)) runs ($(( (ROUNDS + 1) * ((H_ROWS + 99) / 100) )) expected); (i): $I_CALLS GetSession calls
($(( (ROUNDS + 1) * H_ROWS )) expected). (i)'s floor lists first, then fetches the details $A_CONC at a time;
athena_fdw overlaps the next page with the details of the last one, so it can beat it.
(g): $G_COUNT calls for $((ROUNDS + 1)) runs of each form ($((2 * (ROUNDS + 1) * G_ROWS)) expected).
(c): $C_TICKS clock ticks of 1/$CLK_TCK s over $C_CALLS calls. At 0 ms latency the mock
answered one call every ${C_WALL_US} µs (Python, one GIL, a botocore signature check per call):
in (a) the last answer of each wave of $A_CONC comes up to $A_CONC x ${C_WALL_US} µs after the
latency, which is most of the distance to the floor (the C core alone shows it too).
EOF

# (e), (f): under an API quota, in a cluster and mock of their own
cleanup_all
[ "${QUOTA:-1}" = 0 ] || LATENCY_MS=$LATENCY_MS test/bench/quota.sh
