#!/usr/bin/env bash
# scripts/aws-smoke.sh against the mock instead of AWS: every verdict
# matches, for both "not found" shapes and for another error, and the
# script makes read-only calls only.
#
# Uses the running mock: MOCK_PORT MOCKCTL (set by test/run_all.sh); the
# script starts its own throwaway cluster.
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"

SMOKE="$(dirname "$0")/../../scripts/aws-smoke.sh"
OUT=$(mktemp)
trap 'rm -f "$OUT"; $MOCKCTL reset >/dev/null 2>&1' EXIT

smoke() {						# smoke [VAR=value...] [ARGS...]: output in $OUT
	local vars=()
	while [ $# -gt 0 ] && [[ "$1" == *=* ]]; do
		vars+=("$1")
		shift
	done
	env -i PATH="$PATH" PG_CONFIG="$PG_CONFIG" HOME=/nonexistent \
		AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_REGION=us-east-1 \
		AWS_ACCESS_KEY_ID=AKIDMOCKSTATIC \
		AWS_SECRET_ACCESS_KEY='mock/static/SECRET+key0123456789abcdefEXAMPLE' \
		SMOKE_ENDPOINT="http://127.0.0.1:$MOCK_PORT" "${vars[@]}" \
		bash "$SMOKE" "$@" >"$OUT" 2>&1
}

$MOCKCTL reset
smoke
ok $? "against the mock: exit status 0"
grep -qx "4 match(es), 0 mismatch(es)" "$OUT"
ok $? "four verdicts, all matching"
grep -qE "^  ok: the detail columns of [^ ]+ match GetSession$" "$OUT"
ok $? "the detail columns of the first listed session match GetSession"
grep -qx "ListWorkGroups: 5 workgroup(s); enabled Spark ones: spark-analytics,spark-etl" "$OUT"
ok $? "prints what ListWorkGroups answered"
grep -qx "ListSessions spark-analytics: 3 session(s) on the first page of 100" "$OUT"
ok $? "prints what ListSessions answered"
grep -qE "^GetSessionStatus [0-9a-f-]{36}: HTTP 400 ResourceNotFoundException: Session .* not found$" "$OUT"
ok $? "prints what GetSessionStatus of a made-up id answered"
grep -qx "  ok: AWS says the session does not exist (ResourceNotFoundException); the FDW returns no row" "$OUT"
ok $? "ResourceNotFoundException: no row"
ops=$($MOCKCTL requests | cut -d' ' -f1 | sort -u | tr '\n' ' ')
[ "$ops" = "GetSession GetSessionStatus ListSessions ListWorkGroups " ]
ok $? "read-only calls only (got: $ops)"
grep -qF "mock/static/SECRET" "$OUT"
[ $? -ne 0 ]
ok $? "the secret key is never printed"

smoke SMOKE_MADE_UP_ID=vanished-smoke SMOKE_WORKGROUP=spark-etl
ok $? "the other not-found shape: exit status 0"
grep -qx "  ok: AWS says the session does not exist (InvalidRequestException); the FDW returns no row" "$OUT"
ok $? "InvalidRequestException \"Session ... not found\": no row"
grep -qx "  ok: the FDW's first page of spark-etl has the same 2 session(s)" "$OUT"
ok $? "SMOKE_WORKGROUP picks the workgroup listed"

smoke SMOKE_MADE_UP_ID=locked-smoke SMOKE_WORKGROUP=primary
ok $? "another InvalidRequestException and a SQL workgroup: exit status 0"
grep -qx '  ok: AWS answers InvalidRequestException, which is no "not found": the FDW reports the error' "$OUT"
ok $? "another InvalidRequestException is an error in both"
grep -qx "  ok: a workgroup refusing ListSessions for want of Spark lists nothing" "$OUT"
ok $? "a workgroup without Spark lists nothing"
# TerminateSession only when asked, for the one session named
$MOCKCTL reset
smoke SMOKE_MADE_UP_ID=vanished-smoke --terminate s-idle
ok $? "--terminate: exit status 0"
[ "$($MOCKCTL terminations)" = "s-idle IDLE" ] && [ "$($MOCKCTL count TerminateSession)" = 1 ]
ok $? "--terminate: one TerminateSession, of the session named"
grep -qx "  ok: the FDW terminated s-idle; Athena reports it TERMINATING" "$OUT" ||
	grep -qx "  ok: the FDW terminated s-idle; Athena reports it TERMINATED" "$OUT"
ok $? "--terminate: Athena reports the session ending"
[ "$tap_failed" -eq 0 ] || cat "$OUT" >&2

tap_finish
