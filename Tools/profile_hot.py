#!/usr/bin/env python3
"""Where a hot call's time goes: instructions and allocations per call, by callgrind.

Hardware counters are not available on these VMs (`perf stat -e instructions
true` says "not supported"), so the profiles are callgrind's instruction
counts: deterministic, indifferent to what else runs on the machine, and
therefore comparable before and after a change to the last percent.

For each call, a release consentd (debug info stripped: valgrind 3.19 cannot
read Swift's) runs under callgrind with instrumentation off; consent-load
prepares what the call consumes, then waits (`--start-file`); instrumentation
is switched on, exactly `--count` calls are made, instrumentation is switched
off and the profile dumped. Everything the server's threads executed in user
space in between (event loop, log writer; not the kernel) is divided by the
calls. Calls to malloc/calloc/realloc/posix_memalign (every Swift object,
array and string is one) are counted from the call graph and held against the
limits in Benchmarks/allocation-limits.json, as swift-nio's allocation
counter tests do: a change that adds allocations to a hot call fails here.

usage: Tools/profile_hot.py BIN_DIR [--out DIR] [--only NAME,...] [--top N] [--check]
   --check: exit 1 when a call allocates more than its limit
"""
import argparse
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LIMITS = os.path.join(ROOT, "Benchmarks", "allocation-limits.json")

# name, consent-load arguments, calls, items per call
CALLS = [
    ("ping", ["ping", "--in-flight", "256"], 20000, 1),
    ("health", ["health", "--in-flight", "256"], 20000, 1),
    ("exchange", ["exchange", "--in-flight", "256"], 3000, 1),
    ("exchange-batch100", ["exchange", "--batch", "100", "--in-flight", "8"], 40, 100),
    ("issue-token", ["issue-token", "--in-flight", "256"], 3000, 1),
    ("verify", ["verify", "--in-flight", "256"], 3000, 1),
    ("verify-full", ["verify", "--in-flight", "256"], 3000, 1),
    ("log-use", ["log-use", "--in-flight", "1000"], 20000, 1),
    ("log-use-batch1000", ["log-use", "--batch", "1000", "--in-flight", "8"], 40, 1000),
]
# consentd options of a profile: the full path of VerifyToken, without the issued-token table.
SERVER_ARGS = {"verify-full": ["--issued-token-table", "0"]}
ALLOCATORS = ("malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign")
COPIERS = ("__memmove_avx_unaligned_erms", "__memcpy_avx_unaligned_erms", "memcpy", "memmove")


def sh(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


class Profile:
    """A callgrind output file: self cost, inclusive cost and call counts per function."""

    def __init__(self, path):
        self.total = 0
        self.self_cost = collections.Counter()
        self.inclusive = collections.Counter()
        self.calls = collections.Counter()
        self.pairs = collections.Counter()  # (caller, callee) -> calls
        names = {}

        def name(ref):
            m = re.match(r"\((\d+)\)(?: (.*))?", ref)
            if not m:
                return ref
            if m.group(2) is not None:
                names[m.group(1)] = m.group(2)
            return names.get(m.group(1), ref)

        fn = None
        pending_call = None
        for line in open(path, errors="replace"):
            line = line.rstrip("\n")
            if line.startswith("summary:") or line.startswith("totals:"):
                self.total = max(self.total, int(line.split()[1]))
            elif line.startswith("fn="):
                fn = name(line[3:])
            elif line.startswith("cfn="):
                pending_call = name(line[4:])
            elif line.startswith("calls="):
                count = int(line.split("=")[1].split()[0])
                self.calls[pending_call] += count
                self.pairs[(fn, pending_call)] += count
                self._next_is_call = True
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if getattr(self, "_next_is_call", False):
                    self._next_is_call = False
                    if pending_call != fn:
                        self.inclusive[fn] += cost
                else:
                    self.self_cost[fn] += cost
                    self.inclusive[fn] += cost

    def count(self, names):
        return sum(v for k, v in self.calls.items() if k in names)


def demangle(names):
    try:
        out = subprocess.run(["swift-demangle", "--simplified", "--compact"], input="\n".join(names), capture_output=True,
                             text=True, check=True).stdout.splitlines()
        if len(out) == len(names):
            return out
    except Exception:
        pass
    return names


def short(name, width=110):
    name = re.sub(r"\s+", " ", name)
    return name if len(name) <= width else name[: width - 1] + "…"


class Runner:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.out = os.path.abspath(args.out or os.path.join("bench-results", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), "profiles"))
        os.makedirs(self.out, exist_ok=True)
        self.certs = os.path.join(self.out, "certs")
        if not os.path.exists(self.certs):
            sh([os.path.join(self.bin, "consentctl"), "dev-certs", self.certs])
        self.server_binary = os.path.join(self.out, "consentd-nodebug")
        sh(["objcopy", "--strip-debug", os.path.join(self.bin, "consentd"), self.server_binary])

    def start(self, tag, extra=()):
        data = os.path.join(self.out, "data-" + tag)
        shutil.rmtree(data, ignore_errors=True)
        stdout = os.path.join(self.out, tag + ".consentd.out")
        profile = os.path.join(self.out, tag + ".callgrind")
        for old in os.listdir(self.out):
            if old.startswith(tag + ".callgrind"):
                os.unlink(os.path.join(self.out, old))
        command = ["taskset", "-c", "0", "valgrind", "--tool=callgrind", "--instr-atstart=no",
                   "--callgrind-out-file=" + profile, self.server_binary,
                   "--listen", "127.0.0.1:0", "--data-dir", data, "--threads", "1", "--demo-registry",
                   "--snapshot-every-records", "0", "--snapshot-every-bytes", "0",
                   "--signing-key", os.path.join(self.certs, "token-signing.key"),
                   "--cert", os.path.join(self.certs, "server.pem"), "--key", os.path.join(self.certs, "server.key"),
                   "--client-ca", os.path.join(self.certs, "ca.pem"), "--principals", os.path.join(self.certs, "principals.json")]
        command += list(extra)
        process = subprocess.Popen(command, stdout=open(stdout, "w"), stderr=open(os.path.join(self.out, tag + ".consentd.log"), "w"))
        for _ in range(1200):
            time.sleep(0.1)
            text = open(stdout).read()
            if text.startswith("listening on "):
                return process, text.split()[2], profile
            if process.poll() is not None:
                raise SystemExit("consentd under callgrind exited %s (see %s.consentd.log)" % (process.returncode, tag))
        raise SystemExit("consentd under callgrind did not start")

    def valgrind_pid(self, process):
        # taskset execs valgrind, which execs valgrind's tool: the same pid throughout.
        return process.pid

    def profile(self, name, load_args, calls, items):
        process, address, profile = self.start(name, SERVER_ARGS.get(name, ()))
        pid = self.valgrind_pid(process)
        start_file = os.path.join(self.out, name + ".start")
        if os.path.exists(start_file):
            os.unlink(start_file)
        command = ["taskset", "-c", "1", os.path.join(self.bin, "consent-load")] + load_args + [
            "--count", str(calls), "--warmup", "0", "--connections", "1", "--timeout", "600",
            "--server", address, "--profile-file", os.path.join(self.certs, "profiles.conf"),
            "--start-file", start_file, "--json", os.path.join(self.out, name + ".load.json")]
        load = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        stderr = []
        for line in load.stderr:
            stderr.append(line)
            if "waiting for" in line:
                break
        else:
            load.wait()
            self.stop(process)
            raise SystemExit("consent-load %s ended before measuring: %s" % (name, "".join(stderr[-5:])))
        sh(["callgrind_control", "-i", "on", str(pid)])
        open(start_file, "w").close()
        rest = load.stderr.read()
        load.wait()
        sh(["callgrind_control", "-i", "off", str(pid)])
        sh(["callgrind_control", "-d", name, str(pid)])
        self.stop(process)
        report = json.load(open(os.path.join(self.out, name + ".load.json")))
        if report["failed"]:
            print("  %s: %d calls failed: %s" % (name, report["failed"], report["errors"]))
        dumps = sorted(f for f in os.listdir(self.out) if f.startswith(name + ".callgrind") and f != name + ".callgrind")
        path = os.path.join(self.out, dumps[0]) if dumps else profile
        return Profile(path), report

    @staticmethod
    def passes_through(name):
        """Allocation helpers: the runtime, the standard library, OpenSSL's and protobuf-c's wrappers."""
        return (name.startswith("swift_") or name.startswith("$ss") or name.startswith("$sS") or name.startswith("CRYPTO_")
                or name in ("system_alloc", "do_alloc") or name.startswith("_swift") or name.startswith("swift::"))

    def allocating_callers(self, p, n, top=12):
        """Allocations attributed to the first caller that is not an allocation helper, in proportion to its calls."""
        callers_of = collections.defaultdict(list)
        for (caller, callee), count in p.pairs.items():
            callers_of[callee].append((caller, count))
        result = collections.Counter()

        def attribute(function, amount, depth):
            sources = callers_of.get(function, [])
            total = sum(c for _, c in sources)
            if not sources or total == 0 or depth > 8:
                result[function] += amount
                return
            for caller, count in sources:
                share = amount * count / total
                if self.passes_through(caller) and caller != function:
                    attribute(caller, share, depth + 1)
                else:
                    result[caller] += share

        for allocator in ALLOCATORS:
            for caller, count in callers_of.get(allocator, []):
                if self.passes_through(caller):
                    attribute(caller, count, 0)
                else:
                    result[caller] += count
        top_callers = [(f, c) for f, c in result.most_common(top) if c / n >= 0.01]
        return ["   %8.2f  %s" % (c / n, short(pretty)) for (f, c), pretty in zip(top_callers, demangle([f for f, _ in top_callers]))]

    def stop(self, process):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def run(self):
        limits = json.load(open(LIMITS)) if os.path.exists(LIMITS) else {}
        summary = {}
        over = []
        lines = []
        for name, load_args, calls, items in CALLS:
            if self.args.only and name not in self.args.only.split(","):
                continue
            calls = int(calls * self.args.scale) or 1
            p, report = self.profile(name, load_args, calls, items)
            n = report["calls"]
            per_call = p.total / n
            mallocs = p.count(ALLOCATORS) / n
            frees = p.count(("free", "cfree")) / n
            copies = p.count(COPIERS) / n
            limit = limits.get(name, {}).get("allocations_per_call")
            verdict = ""
            if limit is not None:
                verdict = " (limit %s: %s)" % (limit, "ok" if mallocs <= limit + 0.05 else "OVER")
                if mallocs > limit + 0.05:
                    over.append(name)
            summary[name] = dict(calls=n, items_per_call=items, instructions_per_call=round(per_call),
                                 instructions_per_item=round(per_call / items), allocations_per_call=round(mallocs, 2),
                                 frees_per_call=round(frees, 2), memcpy_per_call=round(copies, 2))
            block = ["== %s: %d calls (%d items each): %s instructions per call%s, %.2f allocations per call%s, %.2f memcpy/memmove"
                     % (name, n, items, "{:,.0f}".format(per_call),
                        " (%s per item)" % "{:,.0f}".format(per_call / items) if items > 1 else "", mallocs, verdict, copies)]
            top = p.self_cost.most_common(self.args.top)
            block.append("   self %   instr/call  function")
            for (f, cost), pretty in zip(top, demangle([f for f, _ in top])):
                block.append("   %5.1f %12s  %s" % (cost * 100 / p.total, "{:,.0f}".format(cost / n), short(pretty)))
            inclusive = [(f, c) for f, c in p.inclusive.most_common(400) if c < p.total * 0.999][: self.args.top]
            block.append("   incl %   instr/call  function (inclusive)")
            for (f, cost), pretty in zip(inclusive, demangle([f for f, _ in inclusive])):
                block.append("   %5.1f %12s  %s" % (cost * 100 / p.total, "{:,.0f}".format(cost / n), short(pretty)))
            callers = self.allocating_callers(p, n)
            if callers:
                block.append("   allocations per call by caller (the function that called malloc & co.)")
                block += callers
            lines += block + [""]
            print("\n".join(block) + "\n", flush=True)
        json.dump(summary, open(os.path.join(self.out, "profiles.json"), "w"), indent=1)
        open(os.path.join(self.out, "profiles.txt"), "w").write("\n".join(lines) + "\n")
        print("per call:")
        print("  %-20s %14s %10s %10s %8s" % ("call", "instructions", "allocs", "frees", "memcpy"))
        for name, s in summary.items():
            print("  %-20s %14s %10.2f %10.2f %8.2f" % (name, "{:,}".format(s["instructions_per_call"]), s["allocations_per_call"],
                                                      s["frees_per_call"], s["memcpy_per_call"]))
        print("profiles in %s" % self.out)
        if over:
            print("OVER the allocation limits of Benchmarks/allocation-limits.json: " + ", ".join(over))
            if self.args.check:
                sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bin")
    parser.add_argument("--out")
    parser.add_argument("--only", help="calls to profile: " + ",".join(c[0] for c in CALLS))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of calls")
    parser.add_argument("--check", action="store_true")
    Runner(parser.parse_args()).run()


if __name__ == "__main__":
    main()
