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

section "RPC over mutual TLS: consent-load against a release consentd (server: 1 event loop)"
# Closed loop (1 connection x 256 in flight) measures capacity; the open loop
# at half of it measures latency from each call's due time (DESIGN §10: p99
# under 2 ms at half of saturation). Server CPU comes from /proc/<pid>/stat.
# consent-load exits 5 when it was itself the bottleneck; that is recorded,
# not fatal: the calls per server CPU-second stay meaningful.
"$bin/consentd" --listen 127.0.0.1:0 --data-dir "$out/hub-data" --threads 1 --demo-registry \
    --cert "$certs/server.pem" --key "$certs/server.key" --client-ca "$certs/ca.pem" --principals "$certs/principals.json" \
    > "$out/consentd.out" 2> "$out/consentd.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$out/consentd.out" 2>/dev/null && break; sleep 0.1; done
address=$(awk '/^listening on /{print $3}' "$out/consentd.out")
load() {  # load NAME SCENARIO [options]: one run, its JSON kept, its summary line printed
    local name=$1; shift
    local rc=0
    "$bin/consent-load" "$@" --server "$address" --profile-file "$certs/profiles.conf" --server-pid "$server" \
        --quiet --json "$out/$name.json" > "$out/$name.txt" 2>&1 || rc=$?
    python3 - "$out/$name.json" "$name" "$rc" <<'PY' | tee -a "$out/summary.txt"
import json, sys
path, name, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = json.load(open(path))
l, s = r["latency"], r.get("server_cpu") or {}
pacing = "closed %d x %d" % (r["connections"], r["in_flight"]) if r["pacing"] == "closed-loop" else "open at %d/s" % r["rate"]
print("%-16s %-18s %9d calls/s  p50 %7.0f us  p99 %7.0f us  p99.9 %7.0f us  server %3.0f %% of a core = %9d calls/CPU-s  client %3.0f %%%s%s"
      % (name, pacing, r["calls_per_s"], l["p50"], l["p99"], l["p99_9"], s.get("percent_of_core", 0), s.get("calls_per_cpu_s", 0),
         r["client_cpu"]["percent_of_core"], "  failed %d" % r["failed"] if r["failed"] else "",
         "  [GENERATOR-BOUND: " + "; ".join(r["generator"]["reasons"]) + "]" if r["generator"]["bottleneck"] else ""))
PY
    return 0
}
rate_of() { python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["calls_per_s"]))' "$1"; }
for scenario in ping health; do
    load "$scenario-closed" "$scenario" --connections 1 --in-flight 256 --duration 5 --warmup 1
    half=$(( $(rate_of "$out/$scenario-closed.json") / 2 ))
    # 1,000 slots (under the server's 1,024 per connection): a slow patch must not turn
    # into a queue behind the client's own in-flight limit.
    load "$scenario-open-half" "$scenario" --connections 1 --in-flight 1000 --rate "$half" --duration 5 --warmup 1
done
kill -TERM $server
wait $server || echo "consentd exited $?" | tee -a "$out/summary.txt"
trap - EXIT

# ---- Token and use-log calls: ExchangeCode(s), IssueToken, VerifyToken, LogUse(s), flow ----
# A block of its own (own consentd, own references) in Tools/bench-tokens.sh;
# BENCHMARKS.md, "Token and use-log calls".
"$(dirname "$0")/bench-tokens.sh" "$bin" "$out"
# ---- end of the token and use-log block ----

# ---- The hot calls of issue 13: consentd pinned to core 0, consent-load on core 1 ----
# Rewrites the "bench_hot" blocks of BENCHMARKS.md (one event loop, then two).
section "the hot calls (issue 13): consentd --threads 1 pinned to core 0, consent-load on core 1, references in every round"
python3 "$(dirname "$0")/bench_hot.py" "$bin" --out "$out/hot-threads1" --threads 1 --write BENCHMARKS.md | tee -a "$out/summary.txt"
section "the hot calls with consentd --threads 2 (both cores, shared with the generator)"
python3 "$(dirname "$0")/bench_hot.py" "$bin" --out "$out/hot-threads2" --threads 2 --no-open --write BENCHMARKS.md | tee -a "$out/summary.txt"
section "10,000 idle mutual-TLS connections: resident memory per connection, then every one called"
python3 "$(dirname "$0")/bench_idle.py" "$bin" --out "$out/idle" --connections 10000 --write BENCHMARKS.md | tee -a "$out/summary.txt"
# ---- end of the hot calls ----

section "abusive clients: a good client's latency idle and under abuse, the server's memory before and after (consentd: 2 event loops)"
# Every abuser of ConsentTesting.AbusiveClients over and over on its own thread
# while a good client (the bank) calls Health.Check one at a time; ratios are
# p99 under abuse / idle and resident after / before. Short handshake and frame
# timeouts so that the abusers' connections end within the run. The abusers
# share 127.0.0.1 with the good client, so per-address limits refuse some of
# their own connections; the good one was connected first.
"$bin/consentd" --listen 127.0.0.1:0 --data-dir "$out/abuse-data" --threads 2 \
    --cert "$certs/server.pem" --key "$certs/server.key" --client-ca "$certs/ca.pem" --principals "$certs/principals.json" \
    --handshake-timeout 2 --frame-timeout 5 > "$out/abuse-consentd.out" 2> "$out/abuse-consentd.log" &
abused=$!
trap 'kill -TERM $abused 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$out/abuse-consentd.out" 2>/dev/null && break; sleep 0.1; done
"$bin/consent-abusebench" --server "$(awk '/^listening on /{print $3}' "$out/abuse-consentd.out")" --certs "$certs" \
    --server-pid "$abused" --seconds 5 | tee "$out/abuse.txt" | tee -a "$out/summary.txt"
kill -TERM $abused
wait $abused || echo "consentd exited $?" | tee -a "$out/summary.txt"
trap - EXIT

# ---- The PostgreSQL store: ratios to the embedded log and to pgbench, failover time ----
"$(dirname "$0")/bench-postgres.sh" "$bin" "$out"
# ---- end of the PostgreSQL block ----

section "ExchangeCode without the network: Router + TokenService + ledger on an event log, against raw ES256 signing in the same run"
"$bin/consent-exchangebench" --seconds 5 --dir "$out" 2>/dev/null | tee -a "$out/summary.txt"

section "durable log: appends per second against the raw fdatasync rate of the same disk"
mkdir -p "$out/store"
"$bin/consent-storebench" --dir "$out/store" --seconds 3 | tee -a "$out/summary.txt"

section "pre-zeroed log space: LogUse and LogUses with --pre-zero 1M and 0, beside the raw fdatasync rate"
"$(dirname "$0")/bench-prezero.sh" "$bin" "$out/prezero" 3 | tee -a "$out/summary.txt"

section "recovery over 100 kill -9 cycles under load (issue 11): records replayed and recovery time per start"
"$bin/consent-crashbench" --cycles 100 --consentd "$bin/consentd" --dir "$out" | tail -5 | tee -a "$out/summary.txt"

section "restart and memory: 1,000,000 loan-flow consents through the ledger (DESIGN 10: 10 M restored in < 10 s, < 400 bytes each)"
# Builds its data directory under $out (removed when done); each restart runs in a fresh child process.
"$bin/consent-restartbench" --dir "$out" --consents 1000000 --tail 10000 | tee -a "$out/summary.txt"

echo
echo "results in $out/summary.txt"
