#!/usr/bin/env bash
# Writes typedefs.list, the type names pg_bsd_indent must know to format
# declarations the PostgreSQL way: every typedef in the debug information of
# the built objects (ours, PostgreSQL's, libcurl's, json-c's, libc's), as
# PostgreSQL's buildfarm extracts its own list, plus the ones our headers
# declare (a typedef no object uses yet).  Run by "make typedefs" after a
# build; the list is kept in git so that "make indent" needs no build.
set -euo pipefail
cd "$(dirname "$0")/.."

objects=$(find src test -name '*.o' -newer Makefile 2>/dev/null || true)
if [ -z "$objects" ]; then
	echo "typedefs.sh: build first (make, make -C test/unit)" >&2
	exit 1
fi
{
	# shellcheck disable=SC2086
	objdump --dwarf=info $objects 2>/dev/null |
		awk '/DW_TAG_typedef/ { want = 1; next }
			 want && /DW_AT_name/ { print $NF; want = 0 }'
	git ls-files 'src/*.h' 'src/*.c' 'test/*.h' 'test/*.c' |
		xargs sed -n -E 's/^\}[[:space:]]*([A-Za-z_][A-Za-z0-9_]*);.*/\1/p;
			s/^typedef[^;(]*[[:space:]*]([A-Za-z_][A-Za-z0-9_]*);.*/\1/p'
	echo bool
} | grep -E '^[A-Za-z_][A-Za-z0-9_]*$' |
	# names pgindent itself never treats as types, and text (PostgreSQL's
	# varlena type, but a variable name in the PostgreSQL-free core)
	grep -v -x -E 'ANY|FD_SET|U|abs|allocfunc|boolean|date|digit|ilist|interval|iterator|other|pointer|printfunc|reference|string|timestamp|type|wrap|text' |
	LC_ALL=C sort -u >typedefs.list
echo "typedefs.list: $(wc -l <typedefs.list) names"
