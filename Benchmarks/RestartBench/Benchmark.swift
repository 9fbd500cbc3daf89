#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentServer
import ConsentStore
import Foundation

/// DESIGN §10's targets.
let targetConsents = 10_000_000.0
let targetSeconds = 10.0
let targetBytesPerConsent = 400.0

func runBenchmark(parent: String, consents: Int, tail: Int, keepData: Bool) {
    var template = Array((parent + "/restartbench-XXXXXX").utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { fatalError("mkdtemp under \(parent) failed") }
    let root = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer {
        if keepData { print("data kept in \(root)/data") } else { try? FileManager.default.removeItem(atPath: root) }
    }
    let data = root + "/data"
    let clock = ContinuousClock()

    // 1. Build.
    print("building \(group(consents)) loan-flow consents + a tail of \(group(tail)) through ConsentLedger.execute in \(data)")
    print("  (75 % Skatteetaten one-time: created, accepted, code exchanged, used once; 25 % NAV time-limited: created, accepted, exchanged, used 1-3 times)")
    let buildStarted = clock.now
    let ledger: ConsentLedger
    do { ledger = try ConsentLedger(directory: data, options: quietOptions()) } catch { fatalError("cannot create \(data): \(error)") }
    let start = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000) - 3 * 86_400_000)
    var flow = LoanFlow(ledger: ledger, start: start)
    flow.registerDemo()
    var made = 0
    while made < consents {
        let step = min(100_000, consents - made)
        flow.make(step)
        made += step
        print("  \(group(made)) consents, \(group(Int(ledger.lastSequence))) events, \(format(1, (clock.now - buildStarted).seconds)) s")
    }
    while ledger.durableSequence < ledger.lastSequence { usleep(1000) }
    let snapshot: SnapshotInfo
    do { snapshot = try ledger.snapshotNow()! } catch { fatalError("snapshot failed: \(error)") }
    let consentsInSnapshot = ledger.consentCount
    flow.make(tail)
    ledger.close()
    let buildSeconds = (clock.now - buildStarted).seconds
    let segments = ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).filter { $0.hasSuffix(".seg") }
    let logBytes = segments.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: data + "/" + $1)[.size] as? Int) ?? 0) }
    let events = flow.consents > 0 ? ledger.lastSequence : 0
    print("built: \(group(flow.consents)) consents, \(group(Int(events))) events (\(format(2, Double(events) / Double(flow.consents))) per consent), "
          + "\(logBytes >> 20) MiB of log in \(segments.count) segments, in \(format(1, buildSeconds)) s; \(flow.refusals) commands refused")

    // The domain's share of (b): ConsentCore decoding the snapshot, from memory.
    let decode = runChild(["decode", data + "/" + snapshot.file!])
    let decodeSeconds = Double(decode["seconds"]!)!
    precondition(Int(decode["consents"]!) == consentsInSnapshot)

    // 2a. From the log alone: the snapshot set aside (a name recovery does not read).
    let snapshotPath = data + "/" + snapshot.file!
    let asidePath = snapshotPath + ".aside"
    guard rename(snapshotPath, asidePath) == 0 else { fatalError("cannot set the snapshot aside") }
    let referenceStarted = clock.now
    let referenceRecords: UInt64
    do {
        let (log, counted, _) = try EventLog<CountingState>.open(directory: data, options: quietOptions())
        log.close()
        referenceRecords = counted.count
    } catch { fatalError("reference open failed: \(error)") }
    let referenceSeconds = (clock.now - referenceStarted).seconds
    let full = measureInChild(directory: data, keepState: true, full: false)
    guard rename(asidePath, snapshotPath) == 0 else { fatalError("cannot put the snapshot back") }

    // 2b, c, e. From the snapshot and the tail, with and without the snapshot thread's kept copy.
    let kept = measureInChild(directory: data, keepState: true, full: true)
    let dropped = measureInChild(directory: data, keepState: false, full: true)

    let fullSeconds = Double(full["seconds"]!)!
    let fullConsents = Double(full["consents"]!)!
    let fullEvents = Double(full["events"]!)!
    let snapSeconds = Double(kept["seconds"]!)!
    let snapConsents = Double(kept["consents"]!)!
    let residentFull = Double(full["resident"]!)! / fullConsents
    let residentSnap = Double(kept["resident"]!)! / snapConsents
    let keptCopy = (Double(kept["resident_after_snapshot"]!)! - Double(kept["resident"]!)!) / snapConsents
    let droppedCopy = (Double(dropped["resident_after_snapshot"]!)! - Double(dropped["resident"]!)!) / snapConsents
    let snapshotPerConsent = Double(snapshot.bytes) / Double(consentsInSnapshot)

    print("")
    print("reference: the log alone (read, CRC-checked, framed; a state that only counts): \(group(Int(referenceRecords))) records in \(format(2, referenceSeconds)) s"
          + " = \(group(Int(Double(referenceRecords) / referenceSeconds))) records/s")
    print("")
    print("(a) restart from the log, no snapshot: \(group(Int(fullEvents))) events, \(group(Int(fullConsents))) consents in \(format(2, fullSeconds)) s"
          + " (CPU \(format(2, Double(full["cpu_seconds"]!)!)) s)"
          + " = \(format(2, fullSeconds / referenceSeconds))× the log alone; \(format(2, fullSeconds * 1e6 / fullEvents)) µs per event")
    print("    10 M consents: \(format(1, fullSeconds * targetConsents / fullConsents)) s (target < \(Int(targetSeconds)) s)")
    print("(b) restart from a snapshot (\(group(consentsInSnapshot)) consents) + a tail of \(group(Int(kept["replayed"]!)!)) events: \(format(2, snapSeconds)) s (CPU \(format(2, Double(kept["cpu_seconds"]!)!)) s)")
    print("    of which ConsentCore's snapshot decode (in memory, measured apart): \(format(2, decodeSeconds)) s = \(format(2, decodeSeconds * 1e6 / Double(consentsInSnapshot))) µs per consent"
          + " (CPU \(format(2, Double(decode["cpu_seconds"]!)!)) s = \(format(2, Double(decode["cpu_seconds"]!)! * 1e6 / Double(consentsInSnapshot))) µs per consent);"
          + " it peaks at \(Int((Double(decode["peak"]!)! / Double(consentsInSnapshot)).rounded())) bytes per consent above the bytes it decodes")
    print("    10 M consents: \(format(1, snapSeconds * targetConsents / snapConsents)) s (target < \(Int(targetSeconds)) s)")
    print("(c) resident memory after the restart: \(Int(residentSnap.rounded())) bytes per consent from the snapshot, \(Int(residentFull.rounded())) from the log (target < \(Int(targetBytesPerConsent)))")
    print("    peak during the restart: \(Int((Double(kept["peak"]!)! / snapConsents).rounded())) bytes per consent from the snapshot (the file is read whole),"
          + " \(Int((Double(full["peak"]!)! / fullConsents).rounded())) from the log")
    print("    + the snapshot thread's copy after a background snapshot: \(Int(keptCopy.rounded())) bytes per consent with --snapshot-keeps-state true,"
          + " \(Int(droppedCopy.rounded())) with false")
    print("(d) snapshot: \(group(snapshot.bytes)) bytes, \(Int(snapshotPerConsent.rounded())) bytes per consent")
    print("(e) reads paused after a storage failure, until the durable state was rebuilt: \(format(3, Double(kept["rebuild_seconds"]!)!)) s with --snapshot-keeps-state true,"
          + " \(format(3, Double(dropped["rebuild_seconds"]!)!)) s with false")
}

/// 1234567 → "1,234,567".
func group(_ value: Int) -> String {
    var digits = String(value)
    var out = ""
    while digits.count > 3 {
        out = "," + digits.suffix(3) + out
        digits = String(digits.dropLast(3))
    }
    return digits + out
}

/// A fixed number of decimals.
func format(_ decimals: Int, _ value: Double) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    guard decimals > 0 else { return String(scaled) }
    let whole = scaled / Int(scale)
    var fraction = String(abs(scaled) % Int(scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    return "\(whole).\(fraction)"
}
