#!/usr/bin/env bash
# The log writer's pre-zeroed space (docs/STORAGE.md, "Pre-zeroed space"):
# LogUse (one use per call, 1 connection x 1,000 in flight) and LogUses
# (1,000 per call, 1 x 8) against a release consentd with --pre-zero 1M (the
# default) and --pre-zero 0 (off), alternated over ROUNDS rounds, each beside
# the raw write(100 B) + fdatasync rate of the same disk measured right
# before it. consentd is pinned to core 0 (--threads 1), consent-load to core 1.
#
# usage: Tools/bench-prezero.sh BIN_DIR [OUT_DIR] [ROUNDS]
set -euo pipefail
bin="$1"
out="${2:-bench-results/prezero-$(date -u +%Y%m%dT%H%M%SZ)}"
rounds="${3:-3}"
mkdir -p "$out"
certs="$out/certs"
"$bin/consentctl" dev-certs "$certs" >/dev/null
say() { echo "$@" | tee -a "$out/summary.txt"; }

fsync_rate() {  # fsync_rate DIR
    python3 - "$1" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
n, start = 0, time.monotonic()
while time.monotonic() - start < 2:
    os.write(fd, b"x" * 100)
    os.fdatasync(fd)
    n += 1
os.close(fd)
os.unlink(path)
print("%.0f" % (n / (time.monotonic() - start)))
PY
}

run() {  # run ROUND PREZERO
    local round=$1 prezero=$2 dir="$out/r$1-prezero-$2"
    mkdir -p "$dir"
    local raw; raw=$(fsync_rate "$dir")
    taskset -c 0 "$bin/consentd" --listen 127.0.0.1:0 --data-dir "$dir/data" --threads 1 --demo-registry --pre-zero "$prezero" \
        --signing-key "$certs/token-signing.key" \
        --cert "$certs/server.pem" --key "$certs/server.key" --client-ca "$certs/ca.pem" --principals "$certs/principals.json" \
        > "$dir/consentd.out" 2> "$dir/consentd.log" &
    local server=$!
    for _ in $(seq 100); do grep -q '^listening on ' "$dir/consentd.out" 2>/dev/null && break; sleep 0.1; done
    local address; address=$(awk '/^listening on /{print $3}' "$dir/consentd.out")
    for scenario in "log-use --connections 1 --in-flight 1000" "log-use --batch 1000 --connections 1 --in-flight 8"; do
        local name; name=$(echo "$scenario" | awk '{print ($2 == "--batch") ? "log-uses-1000" : "log-use"}')
        taskset -c 1 "$bin/consent-load" $scenario --duration 5 --warmup 1 --server "$address" --profile-file "$certs/profiles.conf" \
            --server-pid "$server" --quiet --json "$dir/$name.json" > "$dir/$name.txt" 2>&1 || true
        python3 - "$dir/$name.json" "$name" "$round" "$prezero" "$raw" <<'PY' | tee -a "$out/summary.txt"
import json, sys
r = json.load(open(sys.argv[1]))
raw = float(sys.argv[5])
s = r.get("server_cpu") or {}
print("round %s  pre-zero %-3s %-14s %9d items/s  raw fdatasync %5.0f/s  ratio %6.1f  p99 %6.1f ms  server %3.0f %% of a core%s"
      % (sys.argv[3], sys.argv[4], sys.argv[2], r["items_per_s"], raw, r["items_per_s"] / raw, r["latency"]["p99"] / 1000,
         s.get("percent_of_core", 0), "  [GENERATOR-BOUND]" if r["generator"]["bottleneck"] else ""))
PY
    done
    kill -TERM $server; wait $server || true
    rm -rf "$dir/data"
}

say "== pre-zeroed space: LogUse with and without (load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"
for round in $(seq "$rounds"); do
    run "$round" 1M
    run "$round" 0
done
