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
if arguments.first == "decode" {
    guard arguments.count == 2 else { fatalError("usage: consent-restartbench decode SNAPSHOT-FILE") }
    measureDecode(snapshotFile: arguments[1])
    exit(0)
}
if arguments.first == "resnapshot" {
    guard arguments.count == 2 else { fatalError("usage: consent-restartbench resnapshot DIR") }
    resnapshot(directory: arguments[1])
    exit(0)
}
if arguments.first == "measure" {
    guard arguments.count == 4 else { fatalError("usage: consent-restartbench measure DIR KEEP-STATE (open|full)") }
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
    guard index + 1 < arguments.count else { fatalError("\(name) needs a value") }
    let value = arguments[index + 1]
    switch name {
    case "--dir": parent = value
    case "--consents": consentCount = Int(value) ?? consentCount
    case "--tail": tailCount = Int(value) ?? tailCount
    default: fatalError("unknown option \(name); see the comment at the top of main.swift")
    }
    index += 2
}
runBenchmark(parent: parent, consents: consentCount, tail: tailCount, keepData: keepData)
