#!/usr/bin/env bash
# DELETE as athena_fdw runs it against one TerminateSession round trip per
# row, on the local Athena mock with latency:
#   direct   DELETE ... WHERE session_id = ANY(ARRAY(SELECT ...)): a direct
#            modification, every TerminateSession sent concurrently
#   per row  the same DELETE on a table with a row trigger, which makes
#            PostgreSQL hand the rows over one at a time (ExecForeignDelete)
# Both fetch the rows the same way (concurrent GetSessionStatus) and
# terminate the same N sessions; the mock's counts are checked each round.
# Floors: direct 2 x ceil(N/C) x latency (one wave of each call), per row
# ceil(N/C) x latency + N x latency.
#
#   test/bench/delete.sh              N=200 C=16 LATENCY_MS=20 ROUNDS=3
#
# Builds and installs the extension, starts its own mock and throwaway
# cluster (test/lib/cluster.sh) and always stops both.  With two CPUs or
# more the mock is pinned to the last CPU and the backends to CPU 0.
set -euo pipefail

cd "$(dirname "$0")/../.."
. test/lib/cluster.sh
. test/bench/setup.sh

N=${N:-200}
C=${C:-16}
LATENCY_MS=${LATENCY_MS:-20}
ROUNDS=${ROUNDS:-3}

trap 'cleanup_all' EXIT
trap 'exit 130' INT TERM

bench_start "$LATENCY_MS"

q() {
	"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq -d postgres -c "$1"
}

q "CREATE EXTENSION athena_fdw
 ; CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
	 OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT',
			  max_concurrency '$C')
 ; CREATE USER MAPPING FOR CURRENT_USER SERVER athena
	 OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
			  aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE')
 ; IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public
 ; CREATE FOREIGN TABLE per_row (session_id text, state text) SERVER athena
 ; CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'
 ; CREATE TRIGGER keep BEFORE DELETE ON per_row FOR EACH ROW EXECUTE FUNCTION keep()
 ; CREATE TABLE ids AS SELECT 'gen-d' || i AS id FROM generate_series(1, $N) i" >/dev/null

# ms of one DELETE on table $1, after a mock reset (every session alive)
run_delete() {
	local out ms
	$MOCKCTL reset
	out=$("$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -d postgres \
		-c '\timing on' \
		-c "DELETE FROM $1 WHERE session_id = ANY(ARRAY(SELECT id FROM ids))")
	ms=$(printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
	[ "$($MOCKCTL count TerminateSession)" = "$N" ] ||
		{ echo "expected $N TerminateSession calls" >&2; exit 1; }
	[ "$($MOCKCTL count GetSessionStatus)" = "$N" ] ||
		{ echo "expected $N GetSessionStatus calls" >&2; exit 1; }
	echo "$ms"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_delete athena_sessions >/dev/null	# warm-up: connections, caches
direct=$(for _ in $(seq "$ROUNDS"); do run_delete athena_sessions; done | median)
per_row=$(for _ in $(seq "$ROUNDS"); do run_delete per_row; done | median)
# the plans are what the labels say
q "EXPLAIN (COSTS OFF) DELETE FROM athena_sessions WHERE session_id = 'x'" |
	grep -q "Foreign Delete" || { echo "direct DELETE is not a Foreign Delete" >&2; exit 1; }
q "EXPLAIN (COSTS OFF) DELETE FROM per_row WHERE session_id = 'x'" |
	grep -q "Foreign Delete" && { echo "per-row DELETE is a Foreign Delete" >&2; exit 1; }

waves=$(((N + C - 1) / C))
floor_direct=$((2 * waves * LATENCY_MS))
floor_row=$((waves * LATENCY_MS + N * LATENCY_MS))
printf '%s sessions, max_concurrency %s, latency %s ms, median of %s rounds\n' \
	"$N" "$C" "$LATENCY_MS" "$ROUNDS"
printf '| DELETE | time | floor | ratio to floor |\n|---|---|---|---|\n'
printf '| direct modification (Foreign Delete) | %.0f ms | %s ms | %.2f |\n' \
	"$direct" "$floor_direct" "$(echo "$direct / $floor_direct" | bc -l)"
printf '| one row at a time (ExecForeignDelete; a row trigger) | %.0f ms | %s ms | %.2f |\n' \
	"$per_row" "$floor_row" "$(echo "$per_row / $floor_row" | bc -l)"
printf 'direct is %.1f x faster\n' "$(echo "$per_row / $direct" | bc -l)"
