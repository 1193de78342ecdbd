# Shared start of the benchmarks: source it, then call
#   bench_start LATENCY_MS [postgresql.conf lines...]
# It installs what is missing, builds and installs the extension, starts the
# mock at that latency and a throwaway cluster (test/lib/cluster.sh; the
# caller's EXIT trap calls cleanup_all), and, with two CPUs or more and PIN
# not 0, pins the mock to the last CPU and the postmaster (so every backend
# forked later) to CPU 0.  Sets CLIENT_CPU (a command prefix that pins a
# client to CPU 0, or nothing) and PINNING (a line for the report).

bench_start() {
	local latency_ms=$1 ncpu
	shift
	scripts/install-deps.sh >/dev/null
	make -s >/dev/null
	make -s install >/dev/null
	make_workdir
	start_mock --latency-ms "$latency_ms"
	start_cluster "$@"
	ncpu=$(nproc)
	CLIENT_CPU=()
	PINNING="no CPU pinning"
	if [ "${PIN:-1}" != 0 ] && [ "$ncpu" -ge 2 ]; then
		taskset -a -p -c $((ncpu - 1)) "$MOCK_PID" >/dev/null
		taskset -p -c 0 "$(head -1 "$PGDATA_DIR/postmaster.pid")" >/dev/null
		CLIENT_CPU=(taskset -c 0)
		PINNING="mock pinned to CPU $((ncpu - 1)); backends, boto3 and the C client to CPU 0"
	fi
}
