#!/usr/bin/env bash
# The README's IAM permissions name every Athena operation the code calls,
# and no other: the actions come from the operations table
# (src/athena/athena_operations.c), the README's from its "IAM
# permissions" paragraph and the policy that follows it.
#
# Needs no cluster and no mock.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh

table=$(sed -n 's/^[[:space:]]*OPERATION(\([A-Za-z]*\)),$/athena:\1/p' \
	src/athena/athena_operations.c | sort -u)
# From the "IAM permissions" bullet to the end of the policy after it.
readme=$(sed -n '/^- \*\*IAM permissions\*\*/,/^```$/p;' README.md |
	sed -n '1,/^```$/p' | grep -o 'athena:[A-Z][A-Za-z]*' | sort -u)
policy=$(sed -n '/^- \*\*IAM permissions\*\*/,/^- \*\*Check it/p' README.md |
	sed -n '/^```json$/,/^```$/p' | grep -o 'athena:[A-Z][A-Za-z]*' | sort -u)

[ -n "$table" ]
ok $? "the operations table names its IAM actions ($(echo $table | wc -w))"
[ "$table" = "$readme" ]
ok $? "the README's IAM paragraph names exactly the table's actions"
[ "$table" = "$policy" ]
ok $? "the README's policy grants exactly the table's actions"
if [ "$table" != "$readme" ] || [ "$table" != "$policy" ]; then
	diff <(echo "$table") <(echo "$readme") | sed 's/^/# paragraph: /'
	diff <(echo "$table") <(echo "$policy") | sed 's/^/# policy: /'
fi
tap_finish
