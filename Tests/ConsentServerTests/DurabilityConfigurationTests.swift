import ConsentStore
import Foundation
import Testing
@testable import ConsentServer

/// The storage options of consentd (issue 4): segment size, snapshot policy,
/// retention, and what they become in the store's `LogOptions`.
@Suite struct DurabilityConfigurationTests {
    func serve(_ arguments: [String]) throws -> ServerConfiguration {
        guard case .serve(let configuration) = try ServerOptions.parse(arguments) else {
            throw DurabilityTestError("not a serve command")
        }
        return configuration
    }

    func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try ServerOptions.parse(arguments)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func defaultsAreTheStoresButOneCopyOfTheStateAndKeepTheWholeHistory() throws {
        let options = try serve([]).logOptions { _ in }
        let store = LogOptions()
        #expect(options.segmentSize == store.segmentSize)
        #expect(options.snapshotEveryRecords == store.snapshotEveryRecords)
        #expect(options.snapshotEveryBytes == store.snapshotEveryBytes)
        #expect(options.snapshotsToKeep == store.snapshotsToKeep)
        #expect(options.removeCoveredSegments == false, "segments are audit data: kept unless asked")
        #expect(options.keepSnapshotStateInMemory == false, "consentd keeps one copy of the state: 400 bytes per consent")
        #expect(options.cutTornFinalBatch == false, "an operator decides")
        #expect(options.snapshotAtOpen, "a start that replayed a long tail snapshots before serving (issue 11)")
        #expect(options.preZeroBytes == 0, "pre-zeroed space is off unless asked (BENCHMARKS.md)")
        #expect(store.commitDelay == .zero, "the store alone has no commit delay: nothing would tell it its appenders are idle")
        #expect(options.commitDelay == .milliseconds(1), "consentd holds a batch back up to 1 ms; its idle event loops end the wait")
    }

    @Test func commitDelayIsSetInMicrosecondsAndZeroTurnsItOff() throws {
        #expect(try serve(["--commit-delay-us", "250"]).logOptions { _ in }.commitDelay == .microseconds(250))
        #expect(try serve(["--commit-delay-us", "0"]).logOptions { _ in }.commitDelay == .zero)
        #expect(refusal(["--commit-delay-us", "2000000"])?.hasPrefix("--commit-delay-us: commit-delay-us must be a whole number from 0 to 1000000") == true)
        #expect(refusal(["--commit-delay-us", "soon"])?.hasPrefix("--commit-delay-us:") == true)
        #expect(ServerOptions.helpText().contains("--commit-delay-us MICROSECONDS"))
    }

    @Test func flagsReachTheLogOptions() throws {
        let configuration = try serve([
            "--segment-size", "8M", "--snapshot-every-records", "5000", "--snapshot-every-bytes=1G",
            "--snapshots-to-keep", "3", "--remove-covered-segments", "--snapshot-keeps-state", "true", "--cut-torn-final-batch",
            "--snapshot-at-start", "false", "--pre-zero", "1M",
        ])
        let options = configuration.logOptions { _ in }
        #expect(options.segmentSize == 8 << 20)
        #expect(options.snapshotEveryRecords == 5000)
        #expect(options.snapshotEveryBytes == 1 << 30)
        #expect(options.snapshotsToKeep == 3)
        #expect(options.removeCoveredSegments)
        #expect(options.keepSnapshotStateInMemory)
        #expect(options.cutTornFinalBatch)
        #expect(options.snapshotAtOpen == false)
        #expect(options.preZeroBytes == 1 << 20)
    }

    @Test func zeroTurnsAutomaticSnapshotsOffByThatMeasure() throws {
        let options = try serve(["--snapshot-every-records", "0", "--snapshot-every-bytes", "0"]).logOptions { _ in }
        #expect(options.snapshotEveryRecords == nil)
        #expect(options.snapshotEveryBytes == nil)
    }

    @Test(arguments: [("4096", 4096), ("64K", 64 << 10), ("64KiB", 64 << 10), ("3m", 3 << 20), ("2G", 2 << 30), ("2GiB", 2 << 30)])
    func byteSizesTakeBinarySuffixes(_ text: String, _ bytes: Int) throws {
        #expect(try serve(["--segment-size", text]).segmentSize == bytes)
    }

    @Test func badValuesAreRefusedNamingTheOption() {
        #expect(refusal(["--segment-size", "100"])?.contains("--segment-size: segment-size must be a number of bytes from 4K to 1024G") == true)
        #expect(refusal(["--segment-size", "lots"])?.contains("not 'lots'") == true)
        #expect(refusal(["--snapshots-to-keep", "0"]) == "--snapshots-to-keep: snapshots-to-keep must be a whole number from 1 to 1000, not '0'")
        #expect(refusal(["--snapshot-every-records", "-1"])?.hasPrefix("--snapshot-every-records:") == true)
        #expect(refusal(["--snapshot-keeps-state", "maybe"]) == "--snapshot-keeps-state: snapshot-keeps-state must be true or false, not 'maybe'")
    }

    @Test func aConfigFileSetsThemByTheSameNames() throws {
        let path = NSTemporaryDirectory() + "consentd-storage-\(UInt64.random(in: 0...UInt64.max)).conf"
        try """
        # storage
        segment-size = 16M
        snapshot-every-records = 250000
        snapshots-to-keep = 5
        remove-covered-segments = true
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try serve(["--config", path, "--snapshots-to-keep", "4"])
        #expect(configuration.segmentSize == 16 << 20)
        #expect(configuration.snapshotEveryRecords == 250_000)
        #expect(configuration.snapshotsToKeep == 4, "the command line wins over the file")
        #expect(configuration.removeCoveredSegments)
    }

    @Test func helpListsTheStorageOptionsWithTheirDefaults() {
        let help = ServerOptions.helpText()
        #expect(help.contains("--segment-size BYTES"))
        #expect(help.contains("(default: 64M)"))
        #expect(help.contains("--snapshot-every-records N"))
        #expect(help.contains("(default: 1000000)"))
        #expect(help.contains("--snapshot-every-bytes BYTES"))
        #expect(help.contains("(default: 256M)"))
        #expect(help.contains("--snapshots-to-keep N"))
        #expect(help.contains("--remove-covered-segments"))
        #expect(help.contains("--snapshot-keeps-state BOOL"))
        #expect(help.contains("--cut-torn-final-batch"))
        #expect(help.contains("exit 0 healthy, 1 damaged, 2 unusable"))
    }

    @Test func verifyDataKeepsTheStorageOptions() throws {
        guard case .verifyData(let configuration) = try ServerOptions.parse(["--verify-data", "--data-dir", "/x", "--cut-torn-final-batch"]) else {
            Issue.record("not a verify-data command")
            return
        }
        #expect(configuration.dataDirectory == "/x")
        #expect(configuration.cutTornFinalBatch)
    }
}
