#!/usr/bin/env bash
# `make run`: development certificates and profiles (once), then consentd in the
# foreground with the demo registry. Ctrl-C drains it and exits.
set -euo pipefail
bin="$1" listen="$2" data="$3" certs="$4"
if [ ! -f "$certs/ca.pem" ]; then
    "$bin/consentctl" dev-certs "$certs"
fi
if [ ! -f "$certs/token-signing.key" ]; then
    # Certificates from before token keys existed: add the key beside them.
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$certs/token-signing.key" 2>/dev/null)
fi
mkdir -p "$data"
cat <<MSG

ConsentHub on $listen, data in $data, certificates in $certs.
In another shell:
    export PATH=$bin:\$PATH CONSENT_PROFILE_FILE=$(cd "$certs" && pwd)/profiles.conf
    consentctl health                    # as the demo bank (profile 'default' = consumer)
    consentctl --profile portal ping     # as the portal
    consentctl keys                      # the token signing keys (JWKS; stable: $certs/token-signing.key)
Stop with Ctrl-C (SIGINT drains: in-flight calls finish).

MSG
exec "$bin/consentd" --listen "$listen" --data-dir "$data" \
    --cert "$certs/server.pem" --key "$certs/server.key" \
    --client-ca "$certs/ca.pem" --principals "$certs/principals.json" \
    --signing-key "$certs/token-signing.key" \
    --portal-url-template "https://localhost:8443/consent/{id}" \
    --demo-registry
