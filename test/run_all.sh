#!/usr/bin/env bash
# Runs every test of athena_fdw on this machine: installs what is missing,
# builds and installs the extension, runs the unit tests, the fuzzer, the
# mock's self-test and the pg_regress suite against a throwaway cluster and
# the local mock endpoint.  Ends with the line "N passed, N failed".
#
#   test/run_all.sh                 everything
#   FUZZ_SECONDS=10 test/run_all.sh shorter fuzzing
#   ONLY_REGRESS=1 test/run_all.sh  just build and the pg_regress suite
#   test/run_all.sh --quick         the developer's loop: build, unit tests
#                                   and pg_regress (no fuzzing, no mock
#                                   self-tests, no end-to-end checks)
#   CHECKS="quota cancel" test/run_all.sh
#                                   only these of test/checks/*.sh
#   NO_CHECKS=1 test/run_all.sh     none of test/checks/*.sh
#   VERSIONS="18" test/run_all.sh   the other PostgreSQL versions to test,
#                                   each in its Debian chroot
#                                   (test/versions.sh): by default 17 and
#                                   18, none with --quick, ONLY_REGRESS or
#                                   CHECKS; VERSIONS=none tests only the
#                                   host's 15
#   IN_CHROOT=1 test/run_all.sh     what test/versions.sh runs in a chroot:
#                                   no installs, no unit tests, fuzzing or
#                                   mock self-tests (PostgreSQL-free, run on
#                                   the host), no other versions
set -uo pipefail

cd "$(dirname "$0")/.."
. test/lib/cluster.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
QUICK=
if [ "${1:-}" = --quick ]; then
	QUICK=1
	NO_CHECKS=1
	VERSIONS=${VERSIONS:-none}
fi
if [ -n "${IN_CHROOT:-}" ]; then
	QUICK=1
	VERSIONS=none
fi
if [ -n "${ONLY_REGRESS:-}${CHECKS:-}" ]; then
	VERSIONS=${VERSIONS:-none}	# a part of the suite: the host's version only
fi
VERSIONS=${VERSIONS:-17 18}
passed=0
failed=0
failures=()

record() {						# record pass|fail name
	if [ "$1" = pass ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		failures+=("$2")
		echo "FAILED - $2"
	fi
}

# Counts the TAP lines of a test's output file.
record_tap() {					# record_tap file prefix
	local line
	while IFS= read -r line; do
		case "$line" in
			# shown in a chroot, whose caller counts the lines it sees (not
			# through >/dev/stdout: that reopens and truncates a log file)
			"ok "*)
				if [ -n "${IN_CHROOT:-}" ]; then
					record pass "$2: ${line#ok }"
				else
					record pass "$2: ${line#ok }" >/dev/null
				fi
				;;
			"not ok "*) record fail "$2: ${line#not ok }" ;;
		esac
	done <"$1"
}

finish() {
	cleanup_all
	echo
	if [ $failed -gt 0 ]; then
		printf 'failed: %s\n' "${failures[@]}"
	fi
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
}

if [ -z "${IN_CHROOT:-}" ]; then
	scripts/install-deps.sh || { record fail "install dependencies"; finish; exit 1; }
fi
make_workdir
trap 'cleanup_all' EXIT

# --- build: no warnings with -Wall -Wextra ---
make clean >/dev/null 2>&1
if make 2>&1 | tee "$WORK/build.log" | grep -E "warning:|error:"; then
	record fail "build without warnings"
else
	record pass "build without warnings"
fi
make install >"$WORK/install.log" 2>&1 && record pass "make install" || record fail "make install"

# --- formatted the PostgreSQL way: make indent would change nothing ---
if [ -z "${IN_CHROOT:-}" ]; then
	if scripts/indent.sh --check >"$WORK/indent.log" 2>&1; then
		record pass "formatted as pgindent formats (make indent changes nothing)"
	else
		cat "$WORK/indent.log"
		record fail "formatted as pgindent formats (make indent changes nothing)"
	fi
fi

# --- the mock endpoint ---
start_mock || { record fail "start mock endpoint"; finish; exit 1; }

# --- unit tests of the core (ASan + UBSan) ---
if [ -n "${ONLY_REGRESS:-}${IN_CHROOT:-}" ]; then
	:
elif make -C test/unit all >"$WORK/unit-build.log" 2>&1; then
	for t in test/unit/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		"$t" >"$WORK/$name.tap" 2>&1
		rc=$?
		record_tap "$WORK/$name.tap" "$name"
		[ $rc -eq 0 ] || record fail "$name exit status $rc"
	done
else
	cat "$WORK/unit-build.log"
	record fail "build unit tests"
fi

# --- mock self-test (boto3 against the mock) ---
if [ -n "${ONLY_REGRESS:-}${QUICK}" ]; then
	:
elif $PYTHON test/mock/test_mock.py >"$WORK/test_mock.log" 2>&1; then
	record pass "mock endpoint self-test"
else
	tail -30 "$WORK/test_mock.log"
	record fail "mock endpoint self-test"
fi

if [ -n "${ONLY_REGRESS:-}${QUICK}" ]; then
	:
elif (cd test/mock && $PYTHON test_identity.py) >"$WORK/test_identity.log" 2>&1; then
	record pass "mock identity endpoints self-test"
else
	tail -30 "$WORK/test_identity.log"
	record fail "mock identity endpoints self-test"
fi

# --- fuzzing the response parser, bounded in time ---
if [ -z "${ONLY_REGRESS:-}${QUICK}" ]; then
	if make -C test/fuzz run FUZZ_SECONDS="$FUZZ_SECONDS" >"$WORK/fuzz.log" 2>&1; then
		record pass "fuzz response parser for ${FUZZ_SECONDS}s"
	else
		tail -40 "$WORK/fuzz.log"
		record fail "fuzz response parser"
	fi
fi

# --- pg_regress suite against a throwaway cluster ---
start_cluster || { record fail "start cluster"; finish; exit 1; }
run_regress "$WORK/regress" >"$WORK/regress.out" 2>&1
while IFS= read -r line; do
	case "$line" in
		*" ... ok"*|"ok "*) record pass "regress: $(echo "$line" | sed -E 's/^(ok +[0-9]+ +[-+] +|test +)//; s/ +(\.\.\. )?ok.*//; s/ +[0-9]+ ms$//')" ;;
		*" ... FAILED"*|"not ok "*) record fail "regress: $line" ;;
	esac
done <"$WORK/regress.out"
if [ -s "$WORK/regress/regression.diffs" ]; then
	cat "$WORK/regress/regression.diffs"
fi

# --- end-to-end checks that need more than SQL (cancel, memory, ...) ---
# Each test/checks/*.sh prints TAP, using this cluster (PGHOST, PGPORT,
# PGUSER, PG_BIN, PG_LOG) and mock (MOCK_PORT, MOCKCTL).
export PG_BIN PG_LOG WORK
for check in test/checks/*.sh; do
	[ -f "$check" ] || continue
	[ -n "${ONLY_REGRESS:-}" ] && break
	name=$(basename "$check" .sh)
	[ -n "${NO_CHECKS:-}" ] && break
	if [ -n "${CHECKS:-}" ] && [[ " $CHECKS " != *" $name "* ]]; then
		continue
	fi
	bash "$check" >"$WORK/$name.tap" 2>"$WORK/$name.err"
	rc=$?
	record_tap "$WORK/$name.tap" "$name"
	if [ $rc -ne 0 ]; then
		tail -20 "$WORK/$name.err"
		record fail "$name exit status $rc"
	fi
done

# --- every answer the mock sent in this run was on botocore's model ---
if mock_model_ok; then
	record pass "mock answers on botocore's model ($($MOCKCTL model | head -1))"
else
	record fail "mock answers on botocore's model"
fi

# --- no secret ever reaches the server log ---
if grep -F -e "SECRET+key0123456789abcdefEXAMPLE" -e "mock-session-token/EXAMPLE" \
	"$PG_LOG" >/dev/null; then
	record fail "no secret in the server log"
else
	record pass "no secret in the server log"
fi

# --- the other PostgreSQL versions, each in its Debian chroot ---
if [ "$VERSIONS" != none ]; then
	stop_cluster				# two cores: one suite at a time
	stop_mock
	VERSIONS="$VERSIONS" test/versions.sh >"$WORK/versions.tap" 2>"$WORK/versions.err"
	rc=$?
	record_tap "$WORK/versions.tap" "versions"
	grep '^# ' "$WORK/versions.tap"		# the time each version took
	if [ $rc -ne 0 ] || grep -q '^not ok' "$WORK/versions.tap"; then
		tail -80 "$WORK/versions.err"
	fi
	[ $rc -eq 0 ] || record fail "versions exit status $rc"
fi

finish
