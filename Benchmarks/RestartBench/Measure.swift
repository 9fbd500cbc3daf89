#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentLoad
import ConsentServer
import ConsentStore
import Foundation

/// The process's peak resident set size (VmHWM in /proc/self/status).
func peakResidentBytes() -> UInt64 {
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/status"), let data = try? handle.readToEnd() else { return 0 }
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (UInt64(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
    return 0
}

/// The CPU time (user + system) this process has used so far, in seconds: on
/// this shared machine wall time can be several times the work done.
func cpuSeconds() -> Double {
    let used = CPUUsage.ownProcess()
    return used.user + used.system
}

/// The process's resident set size, from /proc/self/statm (pages × page size).
func residentBytes() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}

func quietOptions(keepState: Bool = true) -> LogOptions {
    var options = LogOptions()
    options.snapshotEveryRecords = nil
    options.snapshotEveryBytes = nil
    options.keepSnapshotStateInMemory = keepState
    // Each restart is measured as it is: a snapshot written at the end of
    // (a)'s full replay would add its encoding to the figure and change the
    // directory under the next measurement (and the reference's counting
    // state would write one the ledger cannot read).
    options.snapshotAtOpen = false
    options.log = { _ in }
    return options
}

/// The child's side: one restart of the ledger on `directory`, printed as
/// `key value` lines for the parent.
///
/// `full` goes on after the restart: one more change and a snapshot (so the
/// snapshot thread builds, and with `keepState` keeps, its own copy of the
/// state: the resident memory that adds), then a failed write (EIO injected)
/// and the time until reads are answered again from the rebuilt durable state.
func measureRestart(directory: String, keepState: Bool, full: Bool) {
    let fileSystem = FaultInjectingFileSystem()
    let before = residentBytes()
    let clock = ContinuousClock()
    let cpuStarted = cpuSeconds()
    let started = clock.now
    let ledger: ConsentLedger
    do {
        ledger = try ConsentLedger(directory: directory, options: quietOptions(keepState: keepState), fileSystem: fileSystem)
    } catch {
        fatalError("cannot open \(directory): \(error)")
    }
    let opened = clock.now - started
    let after = residentBytes()
    let report = ledger.recovery!
    print("seconds \(opened.seconds)")
    print("cpu_seconds \(cpuSeconds() - cpuStarted)")
    print("events \(report.lastSequence)")
    print("replayed \(report.recordsReplayed)")
    print("snapshot \(report.snapshotFile ?? "none")")
    print("consents \(ledger.consentCount)")
    print("resident \(after - min(after, before))")
    print("peak \(peakResidentBytes() - min(peakResidentBytes(), before))")
    guard full else {
        ledger.close()
        return
    }

    var flow = LoanFlow(ledger: ledger, start: Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)))
    flow.make(1)
    do {
        _ = try ledger.snapshotNow()
    } catch {
        fatalError("snapshot failed: \(error)")
    }
    let afterSnapshot = residentBytes()
    print("resident_after_snapshot \(afterSnapshot - min(afterSnapshot, before))")

    // A storage failure: the next write fails, reads pause until the state of
    // the durable records is rebuilt.
    fileSystem.inject(.init(.pwrite, errno: EIO, pathContains: ".seg"))
    let failedAt = clock.now
    flow.make(1)
    while !(ledger.isReadable && !ledger.isWritable) { usleep(200) }
    print("rebuild_seconds \((clock.now - failedAt).seconds)")
    ledger.close()
}

/// The child's side of the decode measurement: ConsentCore's snapshot decode
/// alone, from bytes already in memory (the store's 32-byte header skipped,
/// docs/STORAGE.md), with the resident memory it leaves and its peak.
func measureDecode(snapshotFile: String) {
    guard let file = FileManager.default.contents(atPath: snapshotFile) else { fatalError("cannot read \(snapshotFile)") }
    let payload = [UInt8](file.dropFirst(32))
    let before = residentBytes()
    let peakBefore = peakResidentBytes()
    let clock = ContinuousClock()
    let cpuStarted = cpuSeconds()
    let started = clock.now
    let state: ConsentState
    // With the second thread a restart lends it (used by a version-5 snapshot's events section).
    do { state = try ConsentState(snapshot: payload, helper: .ownThread) } catch { fatalError("cannot decode \(snapshotFile): \(error)") }
    print("seconds \((clock.now - started).seconds)")
    print("cpu_seconds \(cpuSeconds() - cpuStarted)")
    print("consents \(state.requestCount)")
    let after = residentBytes()
    print("resident \(after - min(after, before))")
    let peak = peakResidentBytes()
    print("peak \(peak - min(peak, peakBefore))")
}

/// Opens the ledger on `directory` and writes a snapshot of its state in
/// this build's format (a data directory built by an older build then
/// restarts from the current format), then closes it.
func resnapshot(directory: String) {
    do {
        let ledger = try ConsentLedger(directory: directory, options: quietOptions())
        // One more consent, so that the state differs from the last snapshot's
        // (otherwise there is nothing new to write).
        var flow = LoanFlow(ledger: ledger, start: Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)))
        flow.make(1)
        while ledger.durableSequence < ledger.lastSequence { usleep(1000) }
        guard let written = try ledger.snapshotNow(), written.isNew else { fatalError("no snapshot written") }
        print("snapshot \(written.file ?? "none") covers \(ledger.lastSequence) events, \(ledger.consentCount) consents")
        ledger.close()
    } catch {
        fatalError("cannot snapshot \(directory): \(error)")
    }
}

/// The parent's side: runs `measure` in a fresh copy of this executable and
/// parses its lines.
func measureInChild(directory: String, keepState: Bool, full: Bool) -> [String: String] {
    runChild(["measure", directory, keepState ? "true" : "false", full ? "full" : "open"])
}

/// Runs this executable with `arguments` and parses its `key value` lines.
func runChild(_ arguments: [String]) -> [String: String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { fatalError("cannot start the measuring child: \(error)") }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("the measuring child failed (\(process.terminationStatus))") }
    var values: [String: String] = [:]
    for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
    }
    return values
}

/// A state that only counts records: restarting it measures the log alone.
struct CountingState: ReplayableState {
    var count: UInt64 = 0
    init() {}
    init(snapshot: [UInt8]) throws {
        struct NoSnapshots: Error {}
        throw NoSnapshots()
    }
    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws { count += 1 }
    func encodeSnapshot() -> [UInt8] { [] }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
