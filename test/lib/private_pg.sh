#!/usr/bin/env bash
# Makes a private copy of the installed PostgreSQL 15 under DIR, so that
# "make install" and the test clusters of one checkout do not touch the
# system's extension directory (several checkouts can then be tested at once
# on one machine).  PostgreSQL finds its share and lib directories relative
# to its binaries, so the copy works where it lies.  Prints the pg_config to
# use:
#
#   export PG_CONFIG=$(test/lib/private_pg.sh /work/pgroot-mine)
#   test/run_all.sh
set -euo pipefail
root=${1:?usage: private_pg.sh DIR}
sys_bin=$(pg_config --bindir)
sys_share=$(pg_config --sharedir)
if [ ! -x "$root$sys_bin/pg_config" ]; then
	mkdir -p "$root$(dirname "$(dirname "$sys_bin")")" "$root$(dirname "$sys_share")" "$root/usr"
	cp -a "$(dirname "$sys_bin")" "$root$(dirname "$(dirname "$sys_bin")")/"
	cp -a "$sys_share" "$root$(dirname "$sys_share")/"
	ln -sfn /usr/include "$root/usr/include"
	chmod 755 "$root"
fi
echo "$root$sys_bin/pg_config"
