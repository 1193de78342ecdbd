#!/usr/bin/env bash
# The Debian package.  "dpkg-buildpackage -us -uc -b" on a clean copy of the
# tree builds postgresql-<major>-athena-fdw_<version>_<arch>.deb, whose build
# runs the regression suite against the package's own files (pg_buildext
# installcheck, with the mock); the package depends on postgresql-<major> and
# the libraries the module links.  Installed with dpkg, a fresh cluster of the
# system's PostgreSQL loads it and looks a session up on the mock; dpkg -r
# removes it again.
#
# The machine is left as it was found, even when a step fails: files that an
# earlier "make install" put where the package installs are saved first and
# put back after the removal, and a package installed before is never touched
# (the install steps then fail instead).  A lock keeps two runs on one
# machine from installing and removing the package under each other.
#
# Needs root.  Starts its own mock and cluster: the ones of test/run_all.sh
# may run a private copy of PostgreSQL, and the package installs into the
# system's.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh

REPO=$PWD
LOCK=/var/lock/athena_fdw-debian-package.lock
TMP=$(mktemp -d /tmp/athena_deb.XXXXXX)
chmod 755 "$TMP"
PACKAGE=
INSTALLED_BY_US=
CLUSTER_UP=
WORK=				# our own, from make_workdir: never the caller's exported one

# Removes what this check installed, puts back what it saved, stops what it
# started.  Runs on every exit.
restore_system() {
	if [ -n "$CLUSTER_UP" ]; then
		stop_cluster
		stop_mock
	fi
	if [ -n "$INSTALLED_BY_US" ]; then
		dpkg_locked -r "$PACKAGE" >>"$TMP/dpkg.log" 2>&1 ||
			echo "could not remove $PACKAGE: see $TMP/dpkg.log" >&2
		INSTALLED_BY_US=
	fi
	put_back_saved
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
	rm -rf "$TMP"
}
trap restore_system EXIT
trap "exit 1" INT TERM HUP

# Copies the files saved under $TMP/saved back to where they were.
put_back_saved() {
	[ -d "$TMP/saved" ] || return 0
	(cd "$TMP/saved" && find . -type f -print0 | while IFS= read -r -d '' f; do
		mkdir -p "$(dirname "${f#.}")"
		cp -a "$f" "${f#.}"
	done)
}

# dpkg, waiting (up to 5 minutes) while apt or another dpkg holds its lock.
dpkg_locked() {
	local i out
	for i in $(seq 1 150); do
		if out=$(dpkg "$@" 2>&1); then
			echo "$out"
			return 0
		fi
		if ! grep -qi "lock" <<<"$out"; then
			echo "$out"
			return 1
		fi
		sleep 2
	done
	echo "$out"
	return 1
}

if [ "$(id -u)" -ne 0 ]; then
	ok 1 "runs as root (dpkg -i and -r need it)"
	tap_finish
fi

# --- build from a clean copy of the tree (tracked and new files, no build output) ---
# (in test/versions.sh's chroots, which have no git, the list of those files
# is in SOURCE_FILES, NUL-separated)
source_files() {
	if [ -n "${SOURCE_FILES:-}" ]; then
		cat "$SOURCE_FILES"
	else
		git ls-files -co --exclude-standard -z
	fi
}
mkdir "$TMP/src"
if source_files | tar --null -T - -cf - | tar -xf - -C "$TMP/src"; then
	ok 0 "copy the source tree"
else
	ok 1 "copy the source tree"
	tap_finish
fi
# debian/control names the packages of the versions this machine's Debian
# supports (of debian/pgversions): bookworm's 15 as shipped, trixie's 17 or
# sid's 18 once regenerated, as the README says
(cd "$TMP/src" && pg_buildext updatecontrol) >"$TMP/control.log" 2>&1
rc=$?
ok $rc "pg_buildext updatecontrol ($(sed -n 's/^Package: //p' "$TMP/src/debian/control" | tr '\n' ' '))"
[ $rc -eq 0 ] || cat "$TMP/control.log" >&2
# as on a builder: none of run_all.sh's cluster, PostgreSQL or build settings.
# PACKAGE_NOCHECK=1 (test/versions.sh's chroots, where run_all.sh has just
# run the suite on this tree and version) builds with nocheck, to save the
# suite's second run; the installed package is still loaded and used below.
(cd "$TMP/src" && env -u DEB_BUILD_OPTIONS -u PG_CONFIG -u PGHOST -u PGPORT \
	-u PGUSER -u PGDATABASE ${PACKAGE_NOCHECK:+DEB_BUILD_OPTIONS=nocheck} \
	dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -us -uc -b${PACKAGE_NOCHECK:+ (DEB_BUILD_OPTIONS=nocheck)}"
[ $rc -eq 0 ] || tail -40 "$TMP/build.log" >&2

version=$(cd "$TMP/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$(ls "$TMP"/postgresql-*-athena-fdw_"${version}_$arch".deb 2>/dev/null | head -1)
ok "$([ -n "$deb" ]; echo $?)" "built postgresql-<major>-athena-fdw_${version}_$arch.deb ($(basename "${deb:-none}"))"
[ -n "$deb" ] || tap_finish
PACKAGE=$(dpkg-deb -f "$deb" Package)
pg_major=$(sed -E 's/^postgresql-([0-9]+)-athena-fdw$/\1/' <<<"$PACKAGE")

# the build ran the whole regression suite against the package's files
tests=$(grep -c '^test: ' test/schedule)
if [ -z "${PACKAGE_NOCHECK:-}" ]; then
	ok "$(grep -Eq "All $tests tests passed" "$TMP/build.log"; echo $?)" \
		"the build's installcheck passed all $tests regression tests"
	ok "$(grep -qF "installcheck . . postgresql-%v-athena-fdw" "$TMP/build.log"; echo $?)" \
		"the build's installcheck ran on the package's files (pg_buildext's package pattern)"
else
	echo "# the build's installcheck skipped (PACKAGE_NOCHECK)"
fi

# dependencies: the server, and the libraries through shlibs (named with
# t64 since Debian 13's 64-bit time_t transition)
depends=$(dpkg-deb -f "$deb" Depends)
for dep in "postgresql-$pg_major" libcurl4 libjson-c5 libssl3 libc6; do
	ok "$(grep -Eq "(^|, )$dep(t64)?( |,|$)" <<<"$depends"; echo $?)" "depends on $dep"
done

# contents: the module, the control file, every SQL script of the tree
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$TMP/contents"
libdir=/usr/lib/postgresql/$pg_major/lib
extdir=/usr/share/postgresql/$pg_major/extension
expected=("$libdir/athena_fdw.so" "$extdir/athena_fdw.control")
for f in athena_fdw--*.sql; do expected+=("$extdir/$f"); done
missing=()
for f in "${expected[@]}"; do grep -qxF "$f" "$TMP/contents" || missing+=("$f"); done
ok "${#missing[@]}" "installs the module, the control file and ${#expected[@]} files in all (missing: ${missing[*]:-none})"

# --- install, use, remove; one run at a time on this machine ---
exec 9>"$LOCK"
flock -w 900 9
ok $? "lock $LOCK"

if dpkg-query -W -f='${db:Status-Status}' "$PACKAGE" 2>/dev/null | grep -qx installed; then
	ok 1 "$PACKAGE was not installed before (this check leaves an installed package alone)"
	tap_finish
fi

# save what an earlier "make install" left at the package's paths
grep -v '/$' "$TMP/contents" | grep -v '^/usr/share/doc/' | while IFS= read -r f; do
	if [ -f "$f" ]; then
		mkdir -p "$TMP/saved$(dirname "$f")"
		cp -a "$f" "$TMP/saved$f"
	fi
done

INSTALLED_BY_US=1
dpkg_locked -i "$deb" >"$TMP/dpkg.log" 2>&1
rc=$?
ok $rc "dpkg -i $(basename "$deb")"
[ $rc -eq 0 ] || cat "$TMP/dpkg.log" >&2
ok "$(cmp -s <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ."$libdir/athena_fdw.so") "$libdir/athena_fdw.so"; echo $?)" \
	"$libdir/athena_fdw.so is the package's"

# a fresh cluster of the system's PostgreSQL, and the mock
PG_CONFIG=/usr/lib/postgresql/$pg_major/bin/pg_config
. test/lib/cluster.sh
make_workdir
CLUSTER_UP=1
start_mock && start_cluster
ok $? "start a cluster of the system's PostgreSQL $pg_major and the mock"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d postgres"
# the demo's statements: CREATE EXTENSION, server, user mapping, IMPORT, queries
$PSQL -f scripts/demo.sql >"$TMP/demo.log" 2>&1
rc=$?
ok $rc "scripts/demo.sql runs on the installed package"
[ $rc -eq 0 ] || tail -20 "$TMP/demo.log" >&2

default_version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" athena_fdw.control)
out=$($PSQL -At -c "SELECT extversion FROM pg_extension WHERE extname = 'athena_fdw'" 2>&1)
ok "$([ "$out" = "$default_version" ]; echo $?)" "CREATE EXTENSION athena_fdw made version $default_version (got: $out)"

$MOCKCTL reset
out=$($PSQL -At -c "SELECT session_id, state FROM athena_sessions WHERE session_id = 's-idle'" 2>&1)
ok "$([ "$out" = "s-idle|IDLE" ]; echo $?)" "a lookup through the installed package returns s-idle|IDLE (got: $out)"
calls=$($MOCKCTL count GetSessionStatus)
ok "$([ "$calls" = 1 ]; echo $?)" "the mock received 1 GetSessionStatus call (got: $calls)"

stop_cluster
stop_mock
CLUSTER_UP=
WORK=				# our own, from make_workdir: never the caller's exported one

dpkg_locked -r "$PACKAGE" >>"$TMP/dpkg.log" 2>&1
rc=$?
ok $rc "dpkg -r $PACKAGE"
[ $rc -eq 0 ] && INSTALLED_BY_US=
left=()
while IFS= read -r f; do
	[ -e "$f" ] && left+=("$f")
done < <(grep -v '/$' "$TMP/contents")
ok "${#left[@]}" "dpkg -r removed every file of the package (left: ${left[*]:-none})"

# what was there before comes back
put_back_saved
differ=()
while IFS= read -r f; do
	cmp -s "$TMP/saved$f" "$f" || differ+=("$f")
done < <(cd "$TMP/saved" && find . -type f | sed 's|^\.||')
ok "${#differ[@]}" "files an earlier make install left there are back (differ: ${differ[*]:-none})"

tap_finish
