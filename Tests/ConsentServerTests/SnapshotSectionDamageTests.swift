import ConsentCore
import ConsentServer
import ConsentStore
import Foundation
import Testing

/// A version-5 snapshot's events section is decoded on a second thread while
/// its checksum is computed on a third: a flipped byte there still refuses
/// the whole snapshot, and the start falls back to the log as before.
@Suite(.serialized) struct SnapshotSectionDamageTests {
    @Test func aFlippedByteInTheEventsSectionRefusesTheSnapshotAndTheStartReplaysTheLog() throws {
        let directory = try DurabilityVerifyDataTests.makeDirectory()
        defer { DurabilityVerifyDataTests.remove(directory) }
        let snapshot = directory + "/snap-00000000000000000020.snap"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: snapshot)[.size] as? Int)

        // Undamaged, the start uses the snapshot.
        var options = LogOptions()
        options.snapshotAtOpen = false
        var ledger = try ConsentLedger(directory: directory, options: options)
        let healthy = try #require(ledger.recovery)
        ledger.close()
        #expect(healthy.snapshotFile == "snap-00000000000000000020.snap" && healthy.recordsReplayed == 20)

        // The last byte is the events section's (its statistics count).
        try DurabilityVerifyDataTests.flipByte(in: snapshot, at: size - 1)
        let lines = LockedLines()
        options.log = { lines.append($0) }
        ledger = try ConsentLedger(directory: directory, options: options)
        defer { ledger.close() }
        let report = try #require(ledger.recovery)
        #expect(report.snapshotFile == nil && report.recordsReplayed == 40 && report.lastSequence == 40)
        #expect(report.skippedSnapshots.count == 1)
        #expect(report.skippedSnapshots.first?.contains("snap-00000000000000000020.snap") == true)
        #expect(report.skippedSnapshots.first?.contains("checksum mismatch") == true, "\(report.skippedSnapshots)")
        #expect(lines.all.contains { $0.contains("skipping snapshot snap-00000000000000000020.snap") }, "\(lines.all)")
    }
}

/// Log lines collected from the store's threads.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
