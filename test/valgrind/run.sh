#!/usr/bin/env bash
# Runs the pg_regress suite against a throwaway cluster whose server runs
# under valgrind's memcheck, and fails if valgrind reports an error with a
# frame in athena_fdw.so (PostgreSQL's, libcurl's and OpenSSL's own noise is
# reported but does not fail the run; test/valgrind/valgrind.supp silences what is
# known).  Slow: the whole suite takes minutes.  Use "make valgrind-check",
# which builds and installs the extension first.
#
# The regress results are printed for information: under valgrind the
# backend is many times slower, and a test may differ only by timing.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/cluster.sh

make_workdir
trap 'stop_valgrind_cluster; cleanup_all' EXIT

VG_LOGS="$WORK/valgrind"
mkdir -p "$VG_LOGS" "$WORK/pg/socket"
PGDATA_DIR="$WORK/pg/data"
PG_LOG="$WORK/pg/postgres.log"

stop_valgrind_cluster() {
	if [ -n "${CLUSTER_STARTED:-}" ]; then
		# fast, not immediate: every backend then writes its summary
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -t 300 \
			-w stop >/dev/null 2>&1
		CLUSTER_STARTED=
	fi
}

start_mock || exit 1

# pg_ctl starts this instead of postgres; backends are forks of it, so
# valgrind follows them, each into its own log file
cat >"$WORK/postgres-valgrind" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --trace-children=yes --track-origins=yes \\
	--num-callers=30 --error-limit=no --read-var-info=no \\
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--suppressions=$REPO/test/valgrind/valgrind.supp --gen-suppressions=all \\
	--log-file=$VG_LOGS/%p.log \\
	$PG_BIN/postgres "\$@"
EOF
chmod 755 "$WORK/postgres-valgrind"
chown -R postgres:postgres "$WORK/pg" "$VG_LOGS"

runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA_DIR" -E UTF8 \
	--locale=C.UTF-8 -A trust >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; exit 1; }
PGPORT=$(free_port)
cat >>"$PGDATA_DIR/postgresql.conf" <<EOF
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$WORK/pg/socket'
fsync = off
autovacuum = off
max_parallel_workers_per_gather = 0
max_connections = 20
shared_buffers = 16MB
jit = off
EOF
echo "starting PostgreSQL under valgrind (logs in $VG_LOGS)"
runuser -u postgres -- env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	-u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_REGION -u AWS_DEFAULT_REGION \
	"$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -p "$WORK/postgres-valgrind" \
	-t 600 -w start >/dev/null || { cat "$PG_LOG"; exit 1; }
CLUSTER_STARTED=1
PGHOST="$WORK/pg/socket"
PGUSER=postgres
export PGHOST PGPORT PGUSER

PG_REGRESS="$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress"
TESTS=$(sed -n 's/^test: //p' test/schedule | tr '\n' ' ')
mkdir -p "$WORK/regress"
echo "running the regress suite: $TESTS"
"$PG_REGRESS" --host="$PGHOST" --port="$PGPORT" --user=postgres \
	--inputdir=. --outputdir="$WORK/regress" --dbname=contrib_regression \
	$TESTS 2>&1 | grep -E "^(test|ok|not ok| *[0-9]+ of| *All|=)" | sed 's/^/regress: /'
regress_status=${PIPESTATUS[0]}
if [ "$regress_status" -ne 0 ] && [ -s "$WORK/regress/regression.diffs" ]; then
	cat "$WORK/regress/regression.diffs"
fi
stop_valgrind_cluster

# Each error is a block of "==pid== " lines ending in an empty one; count
# them, and print those with a frame in our library.
valgrind_status=0
$PYTHON - "$VG_LOGS" <<'EOF' || valgrind_status=1
import glob, os, re, sys

ours = []
total = 0
kinds = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.log"))):
    block = []
    in_supp = False
    with open(path, errors="replace") as f:
        lines = [re.sub(r"^==\d+== ?", "", l.rstrip("\n")) for l in f]
    lines.append("")
    for line in lines:
        # skip the suppressions that --gen-suppressions prints after errors
        if in_supp:
            in_supp = not line.startswith("}")
            continue
        if line.strip() == "" or line.startswith("{"):
            in_supp = line.startswith("{")
            frames = [l for l in block if re.match(r"\s+(at|by) 0x", l)]
            if frames and not block[0].startswith(("HEAP SUMMARY", "LEAK SUMMARY")):
                total += 1
                # what the noise is: the kind and the first named frame
                key = "%s | %s" % (block[0][:60], re.sub(r"^\s+(at|by) 0x[0-9A-F]+: ", "", frames[0])[:80])
                kinds[key] = kinds.get(key, 0) + 1
                if any("athena_fdw.so" in l for l in frames):
                    ours.append("%s:\n%s" % (os.path.basename(path), "\n".join(block)))
            block = []
        else:
            block.append(line)
print("valgrind: %d process logs, %d error reports outside suppressions, %d with a frame in athena_fdw.so"
      % (len(glob.glob(os.path.join(sys.argv[1], "*.log"))), total, len(ours)))
for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
    print("  %5d  %s" % (v, k))
for o in ours:
    print(o)
    print()
sys.exit(1 if ours else 0)
EOF
# Both must hold: the suite passes under valgrind, and valgrind finds
# nothing of ours.
[ "$regress_status" -eq 0 ] && [ "$valgrind_status" -eq 0 ]
