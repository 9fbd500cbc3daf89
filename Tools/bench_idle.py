#!/usr/bin/env python3
"""Idle mutual-TLS connections: what each costs consentd in resident memory, and that all are served.

A release consentd (`--threads 1`, pinned to core 0, its connection limits
raised above N) is started; its resident set is read once it listens and one
connection has made a call. consent-load (core 1) then opens N connections
with the bank's certificate and waits (`--start-file`) before any call:
consentd's resident set is read again, with every connection established and
idle. (new − base) / N is the cost of an idle connection. The file is then
created and consent-load calls Health.Check at --rate over all N connections,
round-robin, so every connection is used; the run must end with no failure.

usage: Tools/bench_idle.py BIN_DIR [--connections N] [--out DIR] [--write BENCHMARKS.md]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_hot import commit, loadavg, write_section  # noqa: E402


def resident_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit("no VmRSS for %d" % pid)


def open_descriptors(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bin")
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=2_000, help="Health.Check calls per second once all are connected")
    parser.add_argument("--out")
    parser.add_argument("--write", help="rewrite this file's bench_idle block (BENCHMARKS.md)")
    a = parser.parse_args()
    n = a.connections
    bin_dir = os.path.abspath(a.bin)
    out = os.path.abspath(a.out or os.path.join("bench-results", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), "idle"))
    os.makedirs(out, exist_ok=True)
    certs = os.path.join(out, "certs")
    if not os.path.exists(certs):
        subprocess.run([os.path.join(bin_dir, "consentctl"), "dev-certs", certs], check=True, capture_output=True)
    data = os.path.join(out, "data")
    shutil.rmtree(data, ignore_errors=True)
    load_start = loadavg()
    stdout = os.path.join(out, "consentd.out")
    server = subprocess.Popen(
        ["taskset", "-c", "0", os.path.join(bin_dir, "consentd"), "--listen", "127.0.0.1:0", "--data-dir", data,
         "--threads", "1", "--demo-registry", "--snapshot-every-records", "0", "--snapshot-every-bytes", "0",
         "--cert", os.path.join(certs, "server.pem"), "--key", os.path.join(certs, "server.key"),
         "--client-ca", os.path.join(certs, "ca.pem"), "--principals", os.path.join(certs, "principals.json"),
         "--max-connections", str(n + 100), "--max-connections-per-address", str(n + 10),
         "--max-connections-per-principal", str(n + 10), "--handshakes-per-second", "100000",
         "--idle-timeout", "3600"],
        stdout=open(stdout, "w"), stderr=open(os.path.join(out, "consentd.log"), "w"))
    try:
        for _ in range(300):
            time.sleep(0.1)
            text = open(stdout).read()
            if text.startswith("listening on "):
                break
        else:
            raise SystemExit("consentd did not start")
        address = text.split()[2]
        common = ["--server", address, "--profile-file", os.path.join(certs, "profiles.conf")]
        # One connection and a few calls first: what a served connection's first use allocates is in the base.
        subprocess.run(["taskset", "-c", "1", os.path.join(bin_dir, "consent-load"), "health", "--count", "1000", "--quiet"] + common,
                       check=True, capture_output=True)
        time.sleep(0.5)
        base_kib, base_fds = resident_kib(server.pid), open_descriptors(server.pid)
        start_file = os.path.join(out, "start")
        if os.path.exists(start_file):
            os.unlink(start_file)
        report = os.path.join(out, "load.json")
        load = subprocess.Popen(
            ["taskset", "-c", "1", os.path.join(bin_dir, "consent-load"), "health", "--connections", str(n),
             "--in-flight", "1", "--rate", str(a.rate), "--duration", "%g" % max(5, 2 * n / a.rate), "--warmup", "0",
             "--timeout", "60", "--start-file", start_file, "--json", report] + common,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        connect_started = time.monotonic()
        for line in load.stderr:
            if "waiting for" in line:
                break
        else:
            load.wait()
            raise SystemExit("consent-load ended before all connections were open (exit %s)" % load.returncode)
        connect_seconds = time.monotonic() - connect_started
        time.sleep(1)
        idle_kib, idle_fds = resident_kib(server.pid), open_descriptors(server.pid)
        open(start_file, "w").close()
        load.stderr.read()
        load.wait()
        served_kib = resident_kib(server.pid)
        r = json.load(open(report))
        per_connection = (idle_kib - base_kib) * 1024 / n
        lines = [
            "Run of %s UTC, commit `%s`, `consentd --threads 1` on core 0, `consent-load` on core 1; load average %s at the start, %s at the end."
            % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), commit(), load_start, loadavg()),
            "",
            "| connections | opened in | consentd resident: before → all idle | per idle connection | target | then every connection called | failed |",
            "|---:|---:|---:|---:|---|---:|---:|",
            "| %s (%s descriptors more) | %.1f s | %.1f MiB → %.1f MiB | **%s bytes** (%.1f KiB) | ≤ 32 KiB: %s | %s calls at %s/s (p99 %.2f ms); resident %.1f MiB after | %d |"
            % ("{:,}".format(n), "{:,}".format(idle_fds - base_fds), connect_seconds, base_kib / 1024, idle_kib / 1024,
               "{:,.0f}".format(per_connection), per_connection / 1024, "met" if per_connection <= 32 * 1024 else "**missed**",
               "{:,}".format(r["calls"]), "{:,}".format(a.rate), r["latency"]["p99"] / 1000, served_kib / 1024, r["failed"]),
            "",
            "Command: `Tools/bench_idle.py .build/release --connections %d --rate %d` (consentd with `--max-connections %d "
            "--max-connections-per-address %d --max-connections-per-principal %d --handshakes-per-second 100000 --idle-timeout 3600`)."
            % (n, a.rate, n + 100, n + 10, n + 10),
        ]
        print("\n".join(lines))
        if r["failed"]:
            print("errors: %s" % r["errors"])
        if a.write:
            write_section(a.write, "idle", lines)
            print("written into %s" % a.write)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
