// consent-restartbench: how long a restart takes and how much memory each
// consent costs, against DESIGN §10 (10 million consents restored in under
// 10 s, under 400 bytes each in memory).
//
//   consent-restartbench [--dir PARENT] [--consents N] [--tail N] [--keep-data]
//
// 1. Builds a data directory with N loan-flow consents (default 1,000,000)
//    through ConsentLedger.execute (LoanFlow.swift), writes a snapshot, then
//    adds a tail of `--tail` more consents (default 10,000) after it.
// 2. Measures each restart in a fresh child process (so the build's memory
//    does not blur the figures), reading /proc/self/statm before and after:
//    (a) from the log alone (the snapshot set aside), (b) from the snapshot
//    + the tail, (c) resident memory per consent after the restart, and what
//    the snapshot thread's own copy adds after a background snapshot, with
//    --snapshot-keeps-state true and false, (d) the snapshot's size per
//    consent, and (e) how long reads pause after a storage failure while the
//    durable state is rebuilt.
// 3. The reference, measured in the same run: the log alone (records read,
//    CRC-checked and framed into a state that only counts), so the domain's
//    share of a restart reads as a ratio.
//
// --keep-data leaves the data directory for a profiler (its path is printed).
//
//   consent-restartbench measure DIR KEEP-STATE (open|full)    one restart; used by step 2
//   consent-restartbench decode SNAPSHOT-FILE                    ConsentCore's decode alone; used by step 2
//   consent-restartbench resnapshot DIR                          a snapshot of DIR in this build's format
#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentServer
import ConsentStore
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: consent-restartbench [--dir PARENT] [--consents N] [--tail N] [--keep-data]
           consent-restartbench measure DIR KEEP-STATE (open|full)
           consent-restartbench decode SNAPSHOT-FILE
           consent-restartbench resnapshot DIR
    (BENCHMARKS.md, "Restart on two cores", says what each measures)
    """

/// A mistake on the command line: what was wrong and the usage, exit 2.
func refuse(_ message: String) -> Never {
    FileHandle.standardError.write(Data("consent-restartbench: \(message)\n\(usage)\n".utf8))
    exit(2)
}

if arguments.first == "--help" || arguments.first == "-h" {
    print(usage)
    exit(0)
}
if arguments.first == "decode" {
    guard arguments.count == 2 else { refuse("decode takes one snapshot file") }
    measureDecode(snapshotFile: arguments[1])
    exit(0)
}
if arguments.first == "resnapshot" {
    guard arguments.count == 2 else { refuse("resnapshot takes one data directory") }
    resnapshot(directory: arguments[1])
    exit(0)
}
if arguments.first == "measure" {
    guard arguments.count == 4, ["true", "false"].contains(arguments[2]), ["open", "full"].contains(arguments[3]) else {
        refuse("measure takes DIR, true or false, and open or full")
    }
    measureRestart(directory: arguments[1], keepState: arguments[2] == "true", full: arguments[3] == "full")
    exit(0)
}

var parent = "/tmp"
var consentCount = 1_000_000
var tailCount = 10_000
var keepData = false
var index = 0
while index < arguments.count {
    let name = arguments[index]
    if name == "--keep-data" {
        keepData = true
        index += 1
        continue
    }
    guard index + 1 < arguments.count else { refuse("\(name) needs a value") }
    let value = arguments[index + 1]
    func count(_ value: String) -> Int {
        guard let number = Int(value), number >= 0 else { refuse("\(name) takes a whole number, not '\(value)'") }
        return number
    }
    switch name {
    case "--dir": parent = value
    case "--consents": consentCount = count(value)
    case "--tail": tailCount = count(value)
    default: refuse("unknown option \(name)")
    }
    index += 2
}
runBenchmark(parent: parent, consents: consentCount, tail: tailCount, keepData: keepData)
