#!/usr/bin/env bash
# Runs a command with the mock Athena endpoint up, and no AWS identity of the
# machine in its environment (isolate_aws_env), for the regression suite
# outside test/run_all.sh (make installcheck, the Debian package's build-time
# tests and autopkgtest): exports MOCK_PORT and MOCKCTL, which the tests in
# sql/ read, and stops the mock however the command ends.  Fails when the
# mock sent an answer off botocore's model (test/mock/model_check.py).
#
#   test/lib/with_mock.sh make installcheck
set -uo pipefail
. "$(dirname "$0")/cluster.sh"

make_workdir
trap cleanup_all EXIT
start_mock || exit 1
# the servers the command starts must not reach for the machine's identity
isolate_aws_env
"$@"
rc=$?
# an answer off botocore's model fails the run, whatever the command said
mock_model_ok || exit 1
exit $rc
