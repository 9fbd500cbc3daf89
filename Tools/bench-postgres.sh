#!/usr/bin/env bash
# The PostgreSQL store (BENCHMARKS.md, "The PostgreSQL store"), in one run:
#   - pgbench's single-row insert rate on a throwaway PostgreSQL (the
#     reference, as the raw fdatasync rate is for the embedded log);
#   - ExchangeCode, LogUse and LogUses (batches of 1,000) through consent-load
#     against a release consentd on the embedded log, then on that PostgreSQL,
#     reported as ratios to each other and to the pgbench rate;
#   - failover time over 20 kill -9 trials (consent-failoverbench).
# The server runs with one event loop (--threads 1) as in bench-tokens.sh.
#
# usage: Tools/bench-postgres.sh BIN_DIR [OUT_DIR]   (make bench runs it with its own OUT_DIR)
set -euo pipefail
bin="$1"
out="${2:-bench-results/$(date -u +%Y%m%dT%H%M%SZ)}"
dir="$out/postgres"
mkdir -p "$dir"
certs="$dir/certs"
"$bin/consentctl" dev-certs "$certs" >/dev/null
say() { echo "$@" | tee -a "$out/summary.txt"; }

say
say "== The PostgreSQL store: consent-load against a release consentd on the embedded log and on PostgreSQL (1 event loop), pgbench on the same server"
say "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# A throwaway PostgreSQL, as the tests start one (as the postgres user when root).
pgbin="${CONSENTHUB_PG_BIN:-$(pg_config --bindir)}"
pgdir=$(mktemp -d /tmp/consenthub-bench-pg.XXXXXX)
runas=()
if [ "$(id -u)" = 0 ]; then chown postgres "$pgdir"; runas=(runuser -u postgres --); fi
chmod 700 "$pgdir"
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd / && "${runas[@]}" "$pgbin/initdb" -D "$pgdir/data" -U bench --auth=trust --no-sync -E UTF8 --locale=C >/dev/null)
(cd / && "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
    -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null)
servers=()
cleanup() {
    for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    (cd / && "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" stop -m fast >/dev/null 2>&1) || true
    rm -rf "$pgdir"
}
trap cleanup EXIT
psql_admin() { "$pgbin/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U bench "$@"; }
psql_admin -d postgres -c "CREATE ROLE consentd LOGIN" -c "CREATE DATABASE hub1 OWNER consentd" -c "CREATE DATABASE hub2 OWNER consentd" \
    -c "CREATE DATABASE pgbench OWNER bench" >/dev/null
say "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport (fsync on, synchronous_commit on: defaults)"

# pgbench: one row of 100 bytes per transaction, one client (the rate one
# waiting writer gets, like the raw fdatasync loop), and 16 clients
# (PostgreSQL's own group commit across sessions).
psql_admin -d pgbench -c "CREATE TABLE single (id bigserial PRIMARY KEY, payload bytea NOT NULL)" >/dev/null
echo "INSERT INTO single (payload) VALUES (decode(repeat('ab', 100), 'hex'));" > "$dir/insert.sql"
pgbench_tps() {  # pgbench_tps CLIENTS
    "$pgbin/pgbench" -n -h 127.0.0.1 -p "$pgport" -U bench -c "$1" -j "$1" -T 5 -f "$dir/insert.sql" pgbench 2>/dev/null \
        | awk '/^tps = /{print int($3); exit}'
}
single1=$(pgbench_tps 1)
single16=$(pgbench_tps 16)
say "reference: pgbench single-row INSERT (100 B), one transaction each: $single1/s with 1 client, $single16/s with 16 clients"
echo "$single1 $single16" > "$dir/pgbench.txt"

start_consentd() {  # start_consentd NAME [extra args]: sets $server and $address
    local name=$1; shift
    "$bin/consentd" --listen 127.0.0.1:0 --data-dir "$dir/$name-data" --threads 1 --demo-registry \
        --signing-key "$certs/token-signing.key" \
        --cert "$certs/server.pem" --key "$certs/server.key" --client-ca "$certs/ca.pem" --principals "$certs/principals.json" "$@" \
        > "$dir/$name.out" 2> "$dir/$name.log" &
    server=$!
    servers+=("$server")
    for _ in $(seq 300); do grep -q '^listening on ' "$dir/$name.out" 2>/dev/null && break; sleep 0.1; done
    address=$(awk '/^listening on /{print $3}' "$dir/$name.out")
    # A node of a shared store serves once it holds the lease.
    for _ in $(seq 100); do
        "$bin/consentctl" --server "$address" --profile-file "$certs/profiles.conf" health >/dev/null 2>&1 && break
        sleep 0.1
    done
}

load() {  # load STORE NAME SCENARIO [options]
    local store=$1 name=$2; shift 2
    local rc=0
    "$bin/consent-load" "$@" --server "$address" --profile-file "$certs/profiles.conf" --server-pid "$server" \
        --quiet --json "$dir/$store-$name.json" > "$dir/$store-$name.txt" 2>&1 || rc=$?
    if [ ! -s "$dir/$store-$name.json" ]; then say "$store $name: no report (exit $rc): $(tail -3 "$dir/$store-$name.txt")"; return 0; fi
    python3 - "$dir/$store-$name.json" "$store $name" <<'PY' | tee -a "$out/summary.txt"
import json, sys
r = json.load(open(sys.argv[1]))
l, s = r["latency"], r.get("server_cpu") or {}
items = "  = %d items/s" % r["items_per_s"] if r["items_per_call"] > 1 else ""
print("%-28s %8d calls/s%s  p50 %7.0f us  p99 %7.0f us  server %3.0f %% of a core%s%s"
      % (sys.argv[2], r["calls_per_s"], items, l["p50"], l["p99"], s.get("percent_of_core", 0),
         "  FAILED %d %s" % (r["failed"], r["errors"]) if r["failed"] else "",
         "  [GENERATOR-BOUND: " + "; ".join(r["generator"]["reasons"]) + "]" if r["generator"]["bottleneck"] else ""))
PY
}

runs() {  # runs STORE: the three measured calls
    load "$1" exchange exchange --pool 40000 --connections 1 --in-flight 256 --duration 3 --warmup 1
    load "$1" log-use log-use --connections 1 --in-flight 1000 --duration 3 --warmup 1
    load "$1" log-use-batch1000 log-use --batch 1000 --connections 1 --in-flight 8 --duration 3 --warmup 1
}

# write(100 B) + fdatasync in a loop on the disk both stores use: the raw rate one durable write gets now.
fsync_rate() {
    python3 - "$dir" <<'PY'
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

# Two rounds, the stores alternating, so that both meet the same noise of
# this shared disk (its sync rate moves by an order of magnitude within minutes).
for round in 1 2; do
    say "raw write(100 B) + fdatasync, same disk, before round $round: $(fsync_rate)/s"
    start_consentd "embedded$round"
    runs "embedded$round"
    kill -TERM "$server"; wait "$server" || true
    start_consentd "postgres$round" --postgres "host=127.0.0.1 port=$pgport dbname=hub$round user=consentd"
    runs "postgres$round"
    kill -TERM "$server"; wait "$server" || true
done


# pgbench again after the rounds: the reference is the mean of before and after.
after1=$(pgbench_tps 1)
after16=$(pgbench_tps 16)
say "reference again after the rounds: pgbench single-row INSERT $after1/s with 1 client, $after16/s with 16 clients"
echo "$(( (single1 + after1) / 2 )) $(( (single16 + after16) / 2 ))" > "$dir/pgbench.txt"

python3 - "$dir" <<'PY' | tee -a "$out/summary.txt"
import json, os, sys
d = sys.argv[1]
single1, single16 = (float(x) for x in open(os.path.join(d, "pgbench.txt")).read().split())
def rate(store, name):
    rates = []
    for round in (1, 2):
        path = os.path.join(d, "%s%d-%s.json" % (store, round, name))
        if os.path.exists(path):
            rates.append(json.load(open(path))["items_per_s"])
    return sum(rates) / len(rates) if rates else None
print("ratios (PostgreSQL store; each rate the mean of two alternating rounds):")
print("  %-32s %10s %10s %12s %14s %15s" % ("", "embedded/s", "postgres/s", "pg/embedded", "pg/pgbench(1)", "pg/pgbench(16)"))
for name, what in [("exchange", "ExchangeCode"), ("log-use", "LogUse (one per call)"), ("log-use-batch1000", "LogUses (1,000 per call), items")]:
    e, p = rate("embedded", name), rate("postgres", name)
    if e and p:
        print("  %-32s %10.0f %10.0f %12.2f %14.1f %15.1f" % (what, e, p, p / e, p / single1, p / single16))
PY

say
say "== Failover: two nodes on one PostgreSQL, kill -9 of the active node under load, 20 trials"
"$bin/consent-failoverbench" --trials 20 --consentd "$bin/consentd" 2>&1 | tee "$dir/failover.txt" | tail -2 | tee -a "$out/summary.txt"
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
