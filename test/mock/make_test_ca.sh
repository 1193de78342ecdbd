#!/usr/bin/env bash
# Makes a throwaway certificate authority and a server certificate for
# 127.0.0.1 (and localhost) signed by it, in DIR:
#   ca.pem  the CA certificate (what ca_file names)
#   server.pem, server.key  the mock's certificate and key (--tls-cert/--tls-key)
# Made at test time with openssl; nothing here is ever trusted elsewhere.
set -euo pipefail
dir=${1:?usage: make_test_ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=athena_fdw test CA" \
	-keyout ca.key -out ca.pem >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
	-keyout server.key -out server.csr >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 2 -extfile server.ext -out server.pem >/dev/null 2>&1
chmod 644 ca.pem server.pem server.key
