#!/usr/bin/env bash
# Installs, from Debian's packages, what athena_fdw needs to build, test and
# run its demo.  Idempotent: installs only what is missing.
set -euo pipefail

PACKAGES=(
	build-essential
	postgresql-15
	postgresql-server-dev-15
	postgresql-server-dev-all
	debhelper
	dpkg-dev
	postgresql-15-cron
	libcurl4-openssl-dev
	libjson-c-dev
	libssl-dev
	libxml2-dev
	pkg-config
	openssl
	python3
	python3-botocore
	python3-boto3
	clang
	libclang-rt-dev
	valgrind
	pg-bsd-indent
	curl
	openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "need root to install packages (run as root, or install them by hand)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's postgresql package starts a cluster on 5432; our scripts start
# their own throwaway clusters and need none of it.
