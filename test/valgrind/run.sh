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
trap 'cleanup_all' EXIT

VG_LOGS="$WORK/valgrind"
mkdir -p "$VG_LOGS"
start_mock || exit 1

# pg_ctl starts this instead of postgres; backends are forks of it, so
# valgrind follows them, each into its own log file
POSTGRES_WRAPPER="$WORK/postgres-valgrind"
cat >"$POSTGRES_WRAPPER" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --trace-children=yes --track-origins=yes \\
	--num-callers=30 --error-limit=no --read-var-info=no \\
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--suppressions=$REPO/test/valgrind/valgrind.supp --gen-suppressions=all \\
	--log-file=$VG_LOGS/%p.log \\
	$PG_BIN/postgres "\$@"
EOF
chmod 755 "$POSTGRES_WRAPPER"
chown postgres:postgres "$VG_LOGS"
# slow to start; stopped "fast", not "immediate", so that every backend
# writes its summary
PG_START_SECONDS=600
STOP_MODE=fast
echo "starting PostgreSQL under valgrind (logs in $VG_LOGS)"
start_cluster "autovacuum = off" "max_parallel_workers_per_gather = 0" \
	"max_connections = 20" "shared_buffers = 16MB" "jit = off" || exit 1

echo "running the regress suite"
run_regress "$WORK/regress" 2>&1 |
	grep -E "^(test|ok|not ok| *[0-9]+ of| *All|=)" | sed 's/^/regress: /'
regress_status=${PIPESTATUS[0]}
if [ "$regress_status" -ne 0 ] && [ -s "$WORK/regress/regression.diffs" ]; then
	cat "$WORK/regress/regression.diffs"
fi
stop_cluster

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
