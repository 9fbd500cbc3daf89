#!/usr/bin/env python3
"""The hot calls of issue 13, measured as the issue says (BENCHMARKS.md, "The hot calls").

A release consentd runs pinned to core 0 with `taskset` (all its threads:
event loop, log writer, snapshot) and `--threads 1`; consent-load runs pinned
to core 1. Every reference (`openssl speed ecdsap256` on core 0, the raw
`write` + `fdatasync` rate of the same disk) is measured in each round, between
the measured calls, and the rounds alternate the order of the calls; the table
gives medians over the rounds and each ratio is the median of the rounds'
ratios (a reference and its call share a round: the same minute, the same
noise). A closed-loop run whose server core was left idle is flagged: the
server did not have enough to do, and the limit is elsewhere.

With `--threads 2` the server gets two event loops and both cores (the
generator shares them); the signing references stay one `openssl speed` on
core 0, since the ratios are per CPU-second.
With `--compare DIR` every call also runs against the consentd in DIR (an
older build), alternated with this one in each round: the last column is
this build's figure over that one's; `--compare-args` gives that build extra
options (`--compare .build/release --compare-args="--commit-delay-us 0"` is an
A/B of one option in one build).
Records per sync: consentd's store counters, printed on SIGUSR1, read before
and after each run (a build without SIGUSR1 shows "—").

usage: Tools/bench_hot.py BIN_DIR [--out DIR] [--threads 1|2] [--rounds N] [--seconds S]
                          [--only NAME,...] [--compare BIN_DIR [--compare-args ARGS]] [--write BENCHMARKS.md]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name, scenario, consent-load options, what the figure is, reference, target (ratio or absolute), closed loop?
# The figure of a closed-loop row is per wall-clock second with the server on its own core (as the issue
# states its targets); calls per server CPU-second are reported beside it.
ROWS = [
    dict(name="health", title="`Health.Check`", scenario="health", args=["--connections", "1", "--in-flight", "256"],
         unit="calls/s", reference=None, target=None, figure="per_cpu",
         note="calls per server CPU-second; target: no regression (the last column, with --compare)"),
    dict(name="exchange", title="`ExchangeCode`", scenario="exchange", args=["--connections", "1", "--in-flight", "256"],
         unit="calls/s", reference="sign", target=("ratio", 0.60)),
    dict(name="exchange-batch100", title="`ExchangeCodes`, 100 a call", scenario="exchange",
         args=["--batch", "100", "--connections", "1", "--in-flight", "8"], unit="codes/s", reference="sign", target=("ratio", 0.85)),
    dict(name="verify", title="`VerifyToken`, tokens the hub issued (live)", scenario="verify",
         args=["--connections", "1", "--in-flight", "256"], unit="calls/s", reference="verify", target=("ratio", 1.5)),
    dict(name="verify-full", title="`VerifyToken`, any other valid token (full path)", scenario="verify",
         args=["--connections", "1", "--in-flight", "256"], unit="calls/s", reference="verify", target=("ratio", 0.75),
         server_args=["--issued-token-table", "0"]),
    dict(name="log-use", title="`LogUse`", scenario="log-use", args=["--connections", "1", "--in-flight", "1000"],
         unit="calls/s", reference="fsync", target=("absolute", 100_000)),
    dict(name="log-use-batch1000", title="`LogUses`, 1,000 a call", scenario="log-use",
         args=["--batch", "1000", "--connections", "1", "--in-flight", "32"], unit="uses/s", reference="fsync",
         target=("absolute", 400_000)),
]
# Open loop at half of the closed loop's rate (the same round's): p99 ≤ 2 ms.
OPEN_ROWS = [("health", "health-open-half"), ("log-use", "log-use-open-half"), ("exchange", "exchange-open-half")]


def sh(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


def pinned(cores, command):
    return ["taskset", "-c", cores] + command


class Run:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.out = os.path.abspath(args.out or os.path.join("bench-results", stamp, "hot-threads%d" % args.threads))
        os.makedirs(self.out, exist_ok=True)
        self.certs = os.path.join(self.out, "certs")
        if not os.path.exists(self.certs):
            sh([os.path.join(self.bin, "consentctl"), "dev-certs", self.certs])
        if args.threads == 1:
            self.server_cores, self.load_cores = "0", "1"
        else:
            self.server_cores, self.load_cores = "0,1", "0,1"
        self.summary = open(os.path.join(self.out, "summary.txt"), "a")
        self.results = []  # one dict per measurement
        self.server_out = {}  # consentd pid -> (its stdout file, whether it prints counters on SIGUSR1)

    def say(self, line=""):
        print(line, flush=True)
        self.summary.write(line + "\n")
        self.summary.flush()

    # ---- references ----
    def openssl(self, round_):
        # One process on the server's first core, whatever --threads: the
        # ratios are per CPU-second, a property of one core (`-multi` reports
        # per wall-clock second of several processes, on cores the generator shares).
        command = ["openssl", "speed", "-seconds", str(self.args.ref_seconds), "ecdsap256"]
        text = sh(pinned(self.server_cores.split(",")[0], command))
        fields = [line for line in text.splitlines() if "ecdsa (nistp256)" in line][-1].split()
        sign, verify = float(fields[-2]), float(fields[-1])
        self.record(round_, "ref-sign", sign, None)
        self.record(round_, "ref-verify", verify, None)
        self.say("  reference openssl speed ecdsap256 on core %s: %.0f sign/s, %.0f verify/s per CPU-second"
                 % (self.server_cores.split(",")[0], sign, verify))
        return sign, verify

    def fsync_rate(self, round_, where):
        probe = """
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
n, start = 0, time.monotonic()
while time.monotonic() - start < float(sys.argv[2]):
    os.write(fd, b"x" * 100)
    os.fdatasync(fd)
    n += 1
os.close(fd)
os.unlink(path)
print("%.0f" % (n / (time.monotonic() - start)))
"""
        os.makedirs(where, exist_ok=True)
        rate = float(sh(pinned(self.server_cores, [sys.executable, "-c", probe, where, str(self.args.ref_seconds / 2)])))
        self.record(round_, "ref-fsync", rate, None)
        self.say("  reference write(100 B) + fdatasync, same disk, on core %s: %.0f/s" % (self.server_cores, rate))
        return rate

    # ---- the server ----
    def start_server(self, bin_dir, tag, extra):
        data = os.path.join(self.out, "data-" + tag)
        shutil.rmtree(data, ignore_errors=True)
        out = open(os.path.join(self.out, "consentd-%s.out" % tag), "w")
        log = open(os.path.join(self.out, "consentd-%s.log" % tag), "w")
        command = pinned(self.server_cores, [
            os.path.join(bin_dir, "consentd"), "--listen", "127.0.0.1:0", "--data-dir", data,
            "--threads", str(self.args.threads), "--demo-registry",
            # No background snapshot in the middle of a measurement: it would
            # take the server's own core (a snapshot's cost is the restart
            # benchmark's business).
            "--snapshot-every-records", "0", "--snapshot-every-bytes", "0",
            "--signing-key", os.path.join(self.certs, "token-signing.key"),
            "--cert", os.path.join(self.certs, "server.pem"), "--key", os.path.join(self.certs, "server.key"),
            "--client-ca", os.path.join(self.certs, "ca.pem"), "--principals", os.path.join(self.certs, "principals.json"),
        ] + extra)
        process = subprocess.Popen(command, stdout=out, stderr=log)
        path = out.name
        # Where its SIGUSR1 counter lines go (builds that have them: see counters()).
        self.server_out[process.pid] = (path, self.server_supports(bin_dir, "SIGUSR1"))
        for _ in range(300):
            time.sleep(0.1)
            text = open(path).read()
            if text.startswith("listening on "):
                return process, text.split()[2], data
            if process.poll() is not None:
                raise SystemExit("consentd %s exited %s: %s" % (tag, process.returncode, open(log.name).read()[-2000:]))
        raise SystemExit("consentd %s did not start" % tag)

    def stop_server(self, process):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def counters(self, pid):
        """The store's counters (syncs, records, …) read from consentd with SIGUSR1, or None
        for a build without them. Sent before and after a run: records per sync is the
        ratio of the differences."""
        path, supported = self.server_out.get(pid, (None, False))
        if not supported:
            return None
        before = open(path).read().count("store: ")
        os.kill(pid, signal.SIGUSR1)
        for _ in range(200):
            lines = [l for l in open(path).read().splitlines() if l.startswith("store: ")]
            if len(lines) > before and lines[-1].endswith(tuple("0123456789")):
                words = lines[-1].split()[1:]
                return {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)}
            time.sleep(0.01)
        return None

    @staticmethod
    def per_sync(before, after):
        if not before or not after or after["syncs"] <= before["syncs"]:
            return None
        return (after["records"] - before["records"]) / (after["syncs"] - before["syncs"])

    def server_supports(self, bin_dir, option):
        text = subprocess.run([os.path.join(bin_dir, "consentd"), "--help"], capture_output=True, text=True).stdout
        return option in text

    # ---- one measured run ----
    def load(self, round_, name, row, address, pid, extra=(), tag=""):
        label = name + (("@" + tag) if tag else "")
        report = os.path.join(self.out, "r%d-%s.json" % (round_, label))
        row = dict(row, args=self.spread(row["args"]))
        command = pinned(self.load_cores, [
            os.path.join(self.bin, "consent-load"), row["scenario"]] + row["args"] + list(extra) + [
            "--duration", str(self.args.seconds), "--warmup", "1",
            "--server", address, "--profile-file", os.path.join(self.certs, "profiles.conf"),
            "--server-pid", str(pid), "--server-cores", self.server_cores, "--quiet", "--json", report])
        # The open loop's rate changes from round to round: the command says HALF.
        shown = ["--rate", "HALF"] if "--rate" in extra else list(extra)
        self.commands.setdefault(name, " ".join(
            ["taskset -c %s consent-load %s" % (self.load_cores, row["scenario"])] + row["args"] + shown
            + ["--duration", "%g" % self.args.seconds, "--warmup", "1"]))
        started = time.time()
        counters_before = self.counters(pid)
        rc = subprocess.run(command, capture_output=True, text=True)
        counters_after = self.counters(pid)
        if not os.path.exists(report) or os.path.getmtime(report) < started:
            self.say("  %-24s no report (exit %d): %s" % (label, rc.returncode, rc.stderr.strip()[-300:]))
            return None
        r = json.load(open(report))
        r["_exit"] = rc.returncode
        # Over the whole run, warm-up included (the counters are read around it).
        r["records_per_sync"] = self.per_sync(counters_before, counters_after)
        return r

    def spread(self, args):
        """One connection per server event loop: the acceptor deals connections to
        the loops in turn, so with one connection a second loop would idle."""
        args = list(args)
        if self.args.threads > 1 and "--connections" in args:
            i = args.index("--connections")
            args[i + 1] = str(int(args[i + 1]) * self.args.threads)
        return args

    def record(self, round_, name, value, report, **extra):
        entry = dict(round=round_, name=name, value=value, report=report)
        entry.update(extra)
        self.results.append(entry)

    def measure_row(self, round_, row, address, pid, tag, refs):
        r = self.load(round_, row["name"], row, address, pid, tag=tag)
        if r is None:
            return None
        per_cpu = (r.get("server_cpu") or {}).get("calls_per_cpu_s", 0) * r["items_per_call"]
        value = per_cpu if row.get("figure") == "per_cpu" else r["items_per_s"]
        cores = r.get("server_cores") or {}
        self.record(round_, row["name"] + ("@" + tag if tag else ""), value, r, per_cpu=per_cpu)
        self.say("  %-24s %9.0f %s  (%9.0f per server CPU-s)  server %3.0f %%, others %3.0f %%, idle %3.0f %% of core %s  p99 %6.2f ms  records per sync %s%s%s"
                 % (row["name"] + ("@" + tag if tag else ""), value, row["unit"], per_cpu,
                    cores.get("server_percent") or 0, cores.get("others_percent") or 0, cores.get("idle_percent") or 0,
                    self.server_cores, r["latency"]["p99"] / 1000, per_sync_text(r.get("records_per_sync")),
                    "  FAILED %d %s" % (r["failed"], r["errors"]) if r["failed"] else "",
                    "  [GENERATOR-BOUND]" if r["generator"]["bottleneck"] else ""))
        return r

    def measure_open(self, round_, base, name, address, pid, tag):
        closed = [e for e in self.results if e["round"] == round_ and e["name"] == base + ("@" + tag if tag else "") and e["report"]]
        if not closed:
            return
        rate = int(closed[-1]["report"]["calls_per_s"] / 2)
        if rate < 1:
            return
        row = next(r for r in ROWS if r["name"] == base)
        args = [a for a in row["args"]]
        i = args.index("--in-flight")
        args[i + 1] = "1000"  # a slow patch must not queue behind the client's own in-flight limit
        open_row = dict(row, name=name, args=args)
        r = self.load(round_, name, open_row, address, pid, extra=["--rate", str(rate)], tag=tag)
        if r is None:
            return
        self.record(round_, name + ("@" + tag if tag else ""), r["latency"]["p99"], r, rate=rate)
        cores = r.get("server_cores") or {}
        self.say("  %-24s p99 %6.2f ms at %d calls/s, send lag p99 %.0f us, server %3.0f %% of core, records per sync %s%s"
                 % (name + ("@" + tag if tag else ""), r["latency"]["p99"] / 1000, rate,
                    r["generator"].get("send_lag_p99_us") or 0, cores.get("server_percent") or 0,
                    per_sync_text(r.get("records_per_sync")),
                    "  [GENERATOR-BOUND]" if r["generator"]["bottleneck"] else ""))

    # ---- the rounds ----
    def run(self):
        a = self.args
        self.commands = {}
        rows = [r for r in ROWS if not a.only or r["name"] in a.only.split(",")]
        full_path = self.server_supports(self.bin, "--issued-token-table")
        if not full_path:
            rows = [r for r in rows if r["name"] != "verify-full"]
        builds = [("", self.bin)]
        if a.compare:
            builds.append(("base", os.path.abspath(a.compare)))
        self.say("== the hot calls: consentd --threads %d on core %s, consent-load on core %s, %d rounds of %d s runs"
                 % (a.threads, self.server_cores, self.load_cores, a.rounds, a.seconds))
        self.say("commit %s; load average before: %s" % (commit(), loadavg()))
        for round_ in range(1, a.rounds + 1):
            self.say("-- round %d (load average %s)" % (round_, loadavg()))
            order = builds if round_ % 2 == 1 else list(reversed(builds))
            self.openssl(round_)
            # Groups share a server; the server restarts between groups (fresh log:
            # no group pays for another's records).
            groups = [
                ["health"], ["exchange", "exchange-batch100"], ["verify"], ["verify-full"], ["log-use", "log-use-batch1000"],
            ]
            if round_ % 2 == 0:
                groups.reverse()
            for group in groups:
                group_rows = [r for r in rows if r["name"] in group]
                if not group_rows:
                    continue
                if any(r["reference"] == "fsync" for r in group_rows):
                    self.fsync_rate(round_, os.path.join(self.out, "fsync-probe-dir"))
                for tag, bin_dir in order:
                    extra = group_rows[0].get("server_args", [])
                    if extra and not self.server_supports(bin_dir, extra[0]):
                        if tag:
                            continue
                    if tag and a.compare_args:
                        extra = extra + a.compare_args.split()
                    process, address, _ = self.start_server(bin_dir, (tag or "new") + "-" + group[0], extra)
                    try:
                        for row in group_rows:
                            self.measure_row(round_, row, address, process.pid, tag, None)
                            for base, name in OPEN_ROWS:
                                if base == row["name"] and not a.no_open:
                                    self.measure_open(round_, base, name, address, process.pid, tag)
                    finally:
                        self.stop_server(process)
            if any(r["reference"] == "sign" for r in rows):
                self.openssl(round_)
        self.say("load average after: %s" % loadavg())
        json.dump([dict(e, report=None) for e in self.results], open(os.path.join(self.out, "results.json"), "w"), indent=1)
        table = self.table(rows)
        self.say()
        for line in table:
            self.say(line)
        if a.write:
            write_section(a.write, "threads%d" % a.threads, table)
            self.say("written into %s" % a.write)

    # ---- the table ----
    def values(self, name):
        return [e["value"] for e in self.results if e["name"] == name and e["value"] is not None]

    def per_round(self, name):
        return {e["round"]: e for e in self.results if e["name"] == name}

    def table(self, rows):
        a = self.args
        refs = {"sign": "ref-sign", "verify": "ref-verify", "fsync": "ref-fsync"}
        ref_titles = {"sign": "openssl sign/CPU-s", "verify": "openssl verify/CPU-s", "fsync": "raw fdatasync/s"}
        lines = []
        lines.append("Run of %s UTC, commit `%s`, `consentd --threads %d` %s, `consent-load` %s; %d rounds of %g s (after 1 s warm-up); "
                     "load average %s at the start, %s at the end. Medians over the rounds; a ratio is the median of the rounds' "
                     "ratios (each round measures its own references). `openssl speed` divides by the CPU time it used, so the "
                     "signing and verifying ratios are the server's calls per CPU-second (every thread of consentd: event loop, "
                     "log writer) over openssl's operations per CPU-second: on a core shared with other work (the last column: "
                     "others > 10 %%) the wall-clock rate is lower by the share taken, the ratio is not. The log rows have a wall-clock "
                     "reference (the disk) and absolute targets, so their figure is per wall-clock second. "
                     "`make bench` (or `Tools/bench_hot.py .build/release --threads %d --write BENCHMARKS.md`) rewrites this block."
                     % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), commit(), a.threads,
                        "pinned to core 0 (`taskset -c 0`: every thread of it)" if a.threads == 1 else "on both cores",
                        "on core 1" if a.threads == 1 else "sharing both cores", a.rounds, a.seconds,
                        self.load_start, loadavg(), a.threads))
        lines.append("")
        header = ("| call | per wall-clock second | per server CPU-second | reference | ratio (rounds) | target | server core: server / others / idle "
                  "| records per sync%s |" % (" (`%s`)" % a.compare_name if a.compare else ""))
        rule = "|---|---:|---:|---:|---:|---|---|---:|"
        if a.compare:
            header += " ÷ `%s` (per CPU-s) |" % a.compare_name
            rule += "---:|"
        lines += [header, rule]
        for row in rows:
            entries = self.per_round(row["name"])
            if not entries:
                continue
            wall = statistics.median(e["report"]["items_per_s"] for e in entries.values())
            per_cpu = statistics.median(e["per_cpu"] for e in entries.values())
            # What the ratio and the target are judged on: per CPU-second against
            # openssl (CPU time), per wall-clock second against the disk.
            measure = "per_cpu" if row["reference"] in ("sign", "verify") or row.get("figure") == "per_cpu" else "wall"
            def value_of(e):
                return e["per_cpu"] if measure == "per_cpu" else e["report"]["items_per_s"]
            figure = per_cpu if measure == "per_cpu" else wall
            ratios, ref_values = [], []
            if row["reference"]:
                ref_rounds = self.ref_by_round(refs[row["reference"]])
                for round_, e in entries.items():
                    if round_ in ref_rounds:
                        ratios.append(value_of(e) / ref_rounds[round_])
                        ref_values.append(ref_rounds[round_])
            cores = [e["report"].get("server_cores") or {} for e in entries.values()]
            server = statistics.median((c.get("server_percent") or 0) for c in cores)
            others = statistics.median((c.get("others_percent") or 0) for c in cores)
            idle = statistics.median((c.get("idle_percent") or 0) for c in cores)
            flag = ""
            if idle > 5:
                flag = " **not saturated**"
            elif others > 10:
                flag = " (shared)"
            bound = [e for e in entries.values() if e["report"]["generator"]["bottleneck"]]
            if bound:
                flag += " generator-bound in %d of %d rounds" % (len(bound), len(entries))
            unit = row["unit"].replace("/s", "")
            wall_text = "%s %s" % (group(wall), unit)
            cpu_text = "%s %s" % (group(per_cpu), unit)
            if measure == "per_cpu":
                cpu_text = "**%s**" % cpu_text
            else:
                wall_text = "**%s**" % wall_text
            if row["reference"]:
                ratio = statistics.median(ratios)
                ref_text = "%s %s" % (group(statistics.median(ref_values)), ref_titles[row["reference"]])
                if row["reference"] == "fsync":
                    ratio_text = "%.1f× (%s)" % (ratio, " ".join("%.1f" % r for r in ratios))
                else:
                    ratio_text = "**%.2f** (%s)" % (ratio, " ".join("%.2f" % r for r in ratios))
            else:
                ratio, ref_text, ratio_text = None, "—", "—"
            target = row["target"]
            if target is None:
                target_text = "no regression" + (" (last column)" if a.compare else "")
            elif target[0] == "ratio":
                target_text = "≥ %.2f: %s" % (target[1], "met" if ratio is not None and ratio >= target[1] else "**missed**")
            else:
                target_text = "≥ %s/s: %s" % (group(target[1]), "met" if figure >= target[1] else "**missed**")
            line = "| %s | %s | %s | %s | %s | %s | %.0f / %.0f / %.0f %%%s | %s |" % (
                row["title"], wall_text, cpu_text, ref_text, ratio_text, target_text, server, others, idle, flag,
                self.per_sync_cell(row["name"]))
            if a.compare:
                base = self.per_round(row["name"] + "@base")
                # Per server CPU-second: the two builds shared the core with different amounts of other work.
                pairs_cpu = [(entries[k]["per_cpu"], base[k]["per_cpu"]) for k in entries if k in base and base[k].get("per_cpu")]
                text = "—"
                if pairs_cpu:
                    text = "%.2f (%s)" % (statistics.median(x / y for x, y in pairs_cpu), " ".join("%.2f" % (x / y) for x, y in pairs_cpu))
                line += " %s |" % text
            lines.append(line)
        for base, name in OPEN_ROWS:
            entries = self.per_round(name)
            if not entries:
                continue
            p99 = statistics.median(e["value"] for e in entries.values()) / 1000
            rates = [e["rate"] for e in entries.values()]
            bound = [e for e in entries.values() if e["report"]["generator"]["bottleneck"]]
            title = next(r["title"] for r in ROWS if r["name"] == base)
            cores = [e["report"].get("server_cores") or {} for e in entries.values()]
            server = statistics.median((c.get("server_percent") or 0) for c in cores)
            others = statistics.median((c.get("others_percent") or 0) for c in cores)
            idle = statistics.median((c.get("idle_percent") or 0) for c in cores)
            line = "| %s p99, open loop at half its rate | %s calls/s | — | — | %.2f ms (%s) | ≤ 2 ms: %s%s | %.0f / %.0f / %.0f %% | %s |" % (
                title, "–".join(group(x) for x in (min(rates), max(rates))) if min(rates) != max(rates) else group(rates[0]),
                p99, " ".join("%.2f" % (e["value"] / 1000) for e in entries.values()),
                "met" if p99 <= 2 else "**missed**",
                " (generator-bound in %d of %d rounds)" % (len(bound), len(entries)) if bound else "", server, others, idle,
                self.per_sync_cell(name))
            if a.compare:
                base_entries = self.per_round(name + "@base")
                pairs = [(entries[k]["value"], base_entries[k]["value"]) for k in entries if k in base_entries]
                line += " %s |" % ("%.2f (p99 ratio)" % statistics.median(x / y for x, y in pairs) if pairs else "—")
            lines.append(line)
        lines.append("")
        lines.append("Commands (consentd: `taskset -c %s consentd --threads %d --demo-registry --signing-key … "
                     "--snapshot-every-records 0 --snapshot-every-bytes 0`, a fresh data directory per group of rows):"
                     % (self.server_cores, a.threads))
        lines.append("")
        for row in rows:
            if row["name"] in self.commands:
                extra = " (consentd also `%s`)" % " ".join(row["server_args"]) if row.get("server_args") else ""
                lines.append("- %s: `%s`%s" % (row["title"], self.commands[row["name"]], extra))
        for base, name in OPEN_ROWS:
            if name in self.commands:
                lines.append("- %s, open loop: `%s` (HALF: half of the same round's closed-loop rate)"
                             % (next(r["title"] for r in ROWS if r["name"] == base), self.commands[name]))
        return lines

    def per_sync_cell(self, name):
        """Records per sync, median over the rounds; with --compare the older build's beside it."""
        text = per_sync_text(median_per_sync(self.per_round(name).values()))
        if self.args.compare:
            text += " (%s)" % per_sync_text(median_per_sync(self.per_round(name + "@base").values()))
        return text

    def ref_by_round(self, name):
        by_round = {}
        for e in self.results:
            if e["name"] == name:
                by_round.setdefault(e["round"], []).append(e["value"])
        return {k: statistics.median(v) for k, v in by_round.items()}


def per_sync_text(value):
    return "—" if value is None else "%.1f" % value


def median_per_sync(entries):
    values = [e["report"].get("records_per_sync") for e in entries if e.get("report")]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def group(x):
    return "{:,.0f}".format(x)


def commit():
    """The commit measured; "-dirty" when a tracked file other than BENCHMARKS.md (which the run writes) differs."""
    try:
        text = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=10", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!BENCHMARKS.md"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        return text + ("-dirty" if changed else "")
    except Exception:
        return "unknown"


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def write_section(path, key, lines):
    begin, end = "<!-- bench_hot %s begin -->" % key, "<!-- bench_hot %s end -->" % key
    text = open(path).read() if os.path.exists(path) else ""
    block = begin + "\n" + "\n".join(lines) + "\n" + end
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(path, "w").write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bin", help="directory of the release binaries (consentd, consent-load, consentctl)")
    parser.add_argument("--out", help="results directory (default bench-results/<time>/hot-threadsN)")
    parser.add_argument("--threads", type=int, default=1, choices=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--ref-seconds", type=int, default=3, help="seconds of each openssl speed phase")
    parser.add_argument("--only", help="rows to run, by name: " + ",".join(r["name"] for r in ROWS))
    parser.add_argument("--no-open", action="store_true", help="skip the open-loop p99 runs")
    parser.add_argument("--compare", help="another build's binary directory, alternated with this one in each round")
    parser.add_argument("--compare-args", help="extra consentd options for the --compare build (e.g. the same build with "
                        "'--commit-delay-us 0')")
    parser.add_argument("--compare-name", default="base", help="what to call that build in the table")
    parser.add_argument("--write", help="rewrite this file's block for these threads (BENCHMARKS.md)")
    args = parser.parse_args()
    if os.cpu_count() < 2:
        raise SystemExit("needs two cores: one for the server, one for the load generator")
    run = Run(args)
    run.load_start = loadavg()
    run.run()


if __name__ == "__main__":
    main()
