#!/usr/bin/env bash
# Formats the C sources the way PostgreSQL formats its own: Debian's
# pg_bsd_indent with pgindent's settings and typedefs.list, and the few
# touches pgindent adds around it.
#
#   scripts/indent.sh            rewrite every tracked .c and .h in place
#   scripts/indent.sh --check    change nothing; list the files that would
#                                change and exit 1 if there are any
#   scripts/indent.sh FILE...    only these files
set -euo pipefail
cd "$(dirname "$0")/.."

INDENT=${PG_BSD_INDENT:-pg_bsd_indent}
# pgindent's settings (src/tools/pgindent/pgindent)
OPTS="-bad -bap -bbb -bc -bl -cli1 -cp33 -cdb -nce -d0 -di12 -nfc1 -i4 -l79 -lp -lpl -nip -npro -sac -tpg -ts4"

check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
if [ $# -eq 0 ]; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	files=("$@")
fi
command -v "$INDENT" >/dev/null || {
	echo "indent.sh: $INDENT not found (apt-get install pg-bsd-indent)" >&2
	exit 2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
changed=0
for f in "${files[@]}"; do
	# before: protect "/* ---" banners, which indent would refill
	sed -e 's|/\* *---|/*---X_X|g' "$f" >"$tmp/src.c"
	if ! "$INDENT" $OPTS -Utypedefs.list "$tmp/src.c" "$tmp/out.c" 2>"$tmp/err" ||
		[ -s "$tmp/err" ]; then
		echo "indent.sh: $f: $(head -3 "$tmp/err")" >&2
		exit 2
	fi
	# after: the banners back; a tab between two comments on one line; one
	# space between a return type and its '*'
	sed -E -e 's|/\*---X_X|/* ---|g' \
		-e 's|\*/(/\*.*\*/)$|*/\t\1|' \
		-e 's|^([A-Za-z_][^[:space:]]*)[[:space:]]+\*$|\1 *|' \
		"$tmp/out.c" >"$tmp/final.c"
	if ! cmp -s "$f" "$tmp/final.c"; then
		changed=$((changed + 1))
		if [ -n "$check" ]; then
			echo "$f"
		else
			cp "$tmp/final.c" "$f"
		fi
	fi
done
if [ -n "$check" ] && [ $changed -gt 0 ]; then
	echo "indent.sh: $changed file(s) not formatted; run make indent" >&2
	exit 1
fi
exit 0
