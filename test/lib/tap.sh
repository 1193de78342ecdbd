# TAP output for the shell checks in test/checks/: source it, call
# "ok STATUS DESCRIPTION" per test (STATUS 0 passes), and end with tap_finish.

tap_n=0
tap_failed=0

ok() {							# ok cond-status description
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=1
	fi
}

tap_finish() {
	echo "1..$tap_n"
	exit $tap_failed
}
