#!/usr/bin/env bash
# `make bench`: the measurements behind BENCHMARKS.md, each beside the
# reference it is reported against, measured in the same run (these machines
# are shared and noisy: compare ratios, not absolute figures).
# Results go to bench-results/<timestamp>/ and are printed.
set -euo pipefail
bin="$1"
out="bench-results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
certs="$out/certs"
"$bin/consentctl" dev-certs "$certs" >/dev/null

section() { echo; echo "== $1" | tee -a "$out/summary.txt"; }

section "reference: openssl speed ecdsap256 (one core)"
openssl speed -seconds 5 ecdsap256 2>/dev/null | tail -2 | tee "$out/openssl-speed.txt" | tee -a "$out/summary.txt"

section "protobuf-c bridge: one request frame decoded, one response frame encoded"
"$bin/consent-codecbench" | tee -a "$out/summary.txt"

section "transport: no-op echo calls on one connection over mutual TLS (server: 1 loop)"
"$bin/consent-load" transport-echo-server --threads 1 --certs "$certs" > "$out/echo-server.txt" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^port ' "$out/echo-server.txt" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^port /{print $2}' "$out/echo-server.txt")
for inflight in 1 256; do
    "$bin/consent-load" transport-echo --port "$port" --server-pid "$server" --inflight "$inflight" --seconds 5 --certs "$certs" \
        | tee -a "$out/summary.txt"
done
kill $server 2>/dev/null || true

section "durable log: appends per second against the raw fdatasync rate of the same disk"
mkdir -p "$out/store"
"$bin/consent-storebench" --dir "$out/store" --seconds 3 | tee -a "$out/summary.txt"

section "restart and memory: 1,000,000 loan-flow consents through the ledger (DESIGN 10: 10 M restored in < 10 s, < 400 bytes each)"
# Builds its data directory under $out (removed when done); each restart runs in a fresh child process.
"$bin/consent-restartbench" --dir "$out" --consents 1000000 --tail 10000 | tee -a "$out/summary.txt"

echo
echo "results in $out/summary.txt"
