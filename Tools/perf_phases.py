#!/usr/bin/env python3
"""Split a `perf record -e cpu-clock -g -p <consentd>` profile into the phases of a call
(TLS, protobuf, validation, ledger, log writer, kernel), by the frames on each sample's stack;
used for the LogUses and open-loop paragraphs of BENCHMARKS.md ("What bounds `LogUses`").

usage: Tools/perf_phases.py perf.data [CALLS_PER_CPU_SECOND [PHASE]]
   CALLS_PER_CPU_SECOND: also print µs per call for each phase (consent-load reports the rate)
   PHASE: list the commonest stacks (4 frames) of the samples in that phase
Samples in protobuf-c and glibc lose their callers (no frame pointers there): they get phases
of their own ("callers lost")."""
import subprocess, sys, collections
data = sys.argv[1]
text = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym,dso"], capture_output=True, text=True).stdout
samples, cur = [], None
for line in text.splitlines():
    if not line.strip():
        if cur: samples.append(cur); cur = None
        continue
    if not line.startswith((" ", "\t")):
        cur = {"head": line, "frames": []}
    elif cur is not None:
        cur["frames"].append(line.strip())
if cur: samples.append(cur)
def phase(frames):
    joined = "\n".join(frames)
    leaf = frames[0] if frames else ""
    kernel_leaf = "[kernel.kallsyms]" in leaf
    if "LogCoreC9runWriter" in joined or "PosixThread" in joined and "EventLog" in joined:
        if "fdatasync" in joined: return "log writer: fdatasync"
        if kernel_leaf: return "log writer: kernel (wake-ups, write)"
        return "log writer: user (seal, write)"
    # within the event loop, innermost phase marker wins
    markers = [
        ("ledger: append to log (enqueue)", ["EventLogC6append", "LogCoreC7enqueue"]),
        ("ledger: event encode", ["EventCodecO6encode"]),
        ("ledger: apply to tables", ["TablesV5apply"]),
        ("ledger: decide", ["StateV6decide"]),
        ("ledger: other", ["LedgerC7execute"]),
        ("validate (ids, times)", ["useReport"]),
        ("protobuf decode", ["Bridge6unpack", "BridgeO6unpack", "serializedBytes", "WireCheck"]),
        ("protobuf encode (answer)", ["BridgeO4pack", "cMessage2in"]),
        ("TLS (libssl/libcrypto)", ["libssl", "libcrypto"]),
    ]
    for f in frames:
        for name, keys in markers:
            if any(k in f for k in keys):
                return name
    if kernel_leaf:
        if "fdatasync" in joined: return "kernel: fdatasync (loop)"
        return "kernel: loop (syscalls, scheduling, irq)"
    if "logUses" in joined or "TokenService" in joined: return "service: other (loop over uses, runtime)"
    if "libprotobuf-c" in joined or "ProtoArena" in joined: return "protobuf-c pack/unpack (callers lost)"
    if "libc.so" in leaf and "[unknown]" in joined: return "malloc/free/memcpy (callers lost)"
    return "transport/runtime: other"
c = collections.Counter(phase(s["frames"]) for s in samples)
n = sum(c.values())
calls = float(sys.argv[2]) if len(sys.argv) > 2 and float(sys.argv[2]) > 0 else None
for k, v in sorted(c.items(), key=lambda kv: -kv[1]):
    per_call = ("  %6.2f µs a call" % (v / n * 1e6 / calls)) if calls else ""
    print("%5.1f %%%s  %s" % (100.0 * v / n, per_call, k))
print("samples", n)
if len(sys.argv) > 3:
    want = sys.argv[3]
    leafs = collections.Counter()
    for s in samples:
        if phase(s["frames"]) == want:
            fr = s["frames"]
            # first frame from root that is below handleRequest
            key = " <- ".join(x.split(" ",1)[1][:70] for x in fr[:4])
            leafs[key] += 1
    for k, v in leafs.most_common(25): print(v, k)
