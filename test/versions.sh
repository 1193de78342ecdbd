#!/usr/bin/env bash
# Tests athena_fdw against the other PostgreSQL versions Debian ships, each
# in a minimal Debian chroot of the suite that has it: 17 (trixie) and 18
# (sid).  In each one it builds without warnings, installs, and runs the
# pg_regress suite against a throwaway cluster and the mock on 127.0.0.1
# (test/run_all.sh inside the chroot, IN_CHROOT=1), with the checks named in
# VERSION_CHECKS (default: pg_cron against that version's postgresql-NN-cron,
# cancel with its named wait events, and debian_package, which builds,
# installs and loads postgresql-NN-athena-fdw there, without the build's
# second run of the suite: PACKAGE_NOCHECK).  Prints TAP lines
# "ok - pg17: ..." / "not ok - pg17: ...", which test/run_all.sh counts into
# its own total.
#
#   test/versions.sh                every version below
#   VERSIONS="18" test/versions.sh  only these
#
# The chroots are cached under CHROOT_DIR (default
# /var/cache/athena_fdw/chroots) and made when missing: debootstrap
# --variant=minbase from the Debian archive this machine uses, then that
# version's server and build dependencies (about 2 minutes each).  Needs
# root; installs nothing on the host but debootstrap.  Each run works on a
# fresh copy of the tracked tree, in a private mount namespace (/proc and
# /dev mounted there vanish with it).
set -uo pipefail

cd "$(dirname "$0")/.."
CHROOT_DIR=${CHROOT_DIR:-/var/cache/athena_fdw/chroots}
VERSIONS=${VERSIONS:-17 18}
VERSION_CHECKS=${VERSION_CHECKS:-pg_cron cancel debian_package}

suite_of() {					# suite_of MAJOR
	case "$1" in
		17) echo trixie ;;
		18) echo sid ;;
		*) return 1 ;;
	esac
}

# The host's Debian mirror (deb822 or one-line sources).
mirror() {
	local uri
	uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) .*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
	echo "${uri:-http://deb.debian.org/debian}"
}

packages_of() {					# packages_of MAJOR
	echo "postgresql-$1 postgresql-server-dev-$1 postgresql-$1-cron" \
		"postgresql-server-dev-all build-essential make gcc pkg-config" \
		"libcurl4-openssl-dev libjson-c-dev libssl-dev libxml2-dev" \
		"debhelper dpkg-dev python3 python3-botocore openssl curl" \
		"ca-certificates util-linux"
}

in_chroot() {					# in_chroot ROOT command...
	local root=$1
	shift
	unshare --mount --propagation private -- sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" &&
		mount --rbind /dev "$root/dev" &&
		exec chroot "$root" "$@"' sh "$root" "$@"
}

# Makes the chroot of MAJOR when missing and installs what it lacks.
ensure_chroot() {				# ensure_chroot MAJOR
	local major=$1 suite root missing=() p
	suite=$(suite_of "$major") || return 1
	root="$CHROOT_DIR/$suite"
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		command -v debootstrap >/dev/null ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2 ||
			return 1
		rm -rf "$root"
		mkdir -p "$CHROOT_DIR"
		# stdout is TAP: the tools' output goes to stderr
		debootstrap --variant=minbase "$suite" "$root" "$(mirror)" >&2 || return 1
	fi
	for p in $(packages_of "$major"); do
		in_chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "# $suite: installing ${missing[*]}" >&2
		# a service must not start in the chroot (the host's ports)
		printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
		chmod 755 "$root/usr/sbin/policy-rc.d"
		in_chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get \
			-o Acquire::Check-Valid-Until=false update -q >&2 &&
			in_chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get \
				install -y -q --no-install-recommends "${missing[@]}" >&2 ||
			return 1
	fi
}

n=0
tap() {							# tap ok|not-ok text
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

for major in $VERSIONS; do
	if ! suite=$(suite_of "$major"); then
		tap not-ok "pg$major: no Debian suite known for PostgreSQL $major"
		continue
	fi
	root="$CHROOT_DIR/$suite"
	t0=$SECONDS
	if ! ensure_chroot "$major"; then
		tap not-ok "pg$major: make the $suite chroot"
		continue
	fi
	# how long each part took, for the reader of the CI log
	echo "# pg$major: $suite chroot ready after $((SECONDS - t0)) s"
	t0=$SECONDS
	# a fresh copy of the tree (tracked and new files, as git sees them),
	# and their list for the checks that copy the tree again (no git there)
	rm -rf "$root/build/athena_fdw"
	mkdir -p "$root/build/athena_fdw"
	git ls-files -z --cached --others --exclude-standard >"$root/build/source-files"
	xargs -0 cp --parents -t "$root/build/athena_fdw" <"$root/build/source-files" 2>/dev/null
	log="$root/build/run_all.log"
	in_chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 IN_CHROOT=1 CHECKS="$VERSION_CHECKS" \
		SOURCE_FILES=/build/source-files PACKAGE_NOCHECK=1 \
		PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" \
		bash /build/athena_fdw/test/run_all.sh >"$log" 2>&1
	rc=$?
	counted=0
	while IFS= read -r line; do
		case "$line" in
			"ok - "*) tap ok "pg$major: ${line#ok - }"; counted=1 ;;
			"FAILED - "*) tap not-ok "pg$major: ${line#FAILED - }"; counted=1 ;;
		esac
	done <"$log"
	if [ $rc -ne 0 ]; then
		# the diffs and the failing lines, for the reader of the CI log
		grep -v -e '^ok - ' "$log" | tail -60 >&2
	fi
	[ $counted -eq 1 ] || tap not-ok "pg$major: run_all.sh in the chroot ran (exit $rc)"
	echo "# pg$major: tests in the chroot took $((SECONDS - t0)) s"
done
echo "1..$n"
