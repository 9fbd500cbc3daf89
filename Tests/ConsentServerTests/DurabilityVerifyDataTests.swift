#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentServer
import ConsentStore
import ConsentTesting
import Foundation
import Testing

/// `consentd --verify-data` and what a start does with the same damage:
/// a torn tail is cut with a log line; damage elsewhere stops the start,
/// naming the segment and the offset.
@Suite(.serialized) struct DurabilityVerifyDataTests {
    static let firstSegment = "log-00000000000000000001.seg"

    /// A data directory with `count` test resources, each in its own write
    /// batch, 4 KiB segments (so several), and a snapshot after the first half.
    static func makeDirectory(count: UInt32 = 40) throws -> String {
        let directory = TestHub.makeTemporaryDirectory("verify") + "/data"
        var options = LogOptions()
        options.segmentSize = 4096
        // Zeros ahead of the records in the last segment (pre-zeroed space),
        // which --verify-data reports and a start cuts.
        options.preZeroBytes = 1024
        options.snapshotEveryRecords = nil
        options.snapshotEveryBytes = nil
        options.log = { _ in }
        let ledger = try ConsentLedger(directory: directory, options: options)
        defer { ledger.close() }
        for number in 1...count {
            let outcome = ledger.execute(.registerResource(LedgerTestService.resource(number)), by: .dataSource(LedgerTestService.owner), at: SystemClock().now())
            _ = try outcome.result.get()
            try waitUntil { ledger.durableSequence >= outcome.durableAfter }
            if number == count / 2 { _ = try ledger.snapshotNow() }
        }
        return directory
    }

    static func check(_ directory: String) -> (verdict: DataVerification.Verdict, text: String) {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory
        return DataVerification.check(configuration)
    }

    static func segments(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }.sorted()
    }

    /// Runs the real `consentd --verify-data`; returns its exit code and output.
    static func runConsentd(_ arguments: [String]) throws -> (code: Int32, output: String) {
        let outcome = try ChildProcess.outcome([ConsentdProcess.binary] + arguments)
        return (outcome.status, outcome.output)
    }

    static func flipByte(in path: String, at offset: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let byte = try #require(handle.readData(ofLength: 1).first)
        try handle.seek(toOffset: UInt64(offset))
        handle.write(Data([byte ^ 0x40]))
    }

    static func remove(_ directory: String) {
        try? FileManager.default.removeItem(atPath: String(directory.dropLast("/data".count)))
    }

    @Test func aHealthyDirectoryIsDescribedAndExitsZero() throws {
        let directory = try Self.makeDirectory()
        defer { Self.remove(directory) }
        let segments = try Self.segments(directory)
        #expect(segments.count >= 2, "4 KiB segments roll")
        let (verdict, text) = Self.check(directory)
        #expect(verdict == .healthy)
        #expect(text.contains("data directory: \(directory)"))
        #expect(text.contains("segments: \(segments.count)"))
        #expect(text.contains("  \(Self.firstSegment): sequence 1..."), "\(text)")
        #expect(text.contains("records: 40, sequence 1...40"), "\(text)")
        #expect(text.contains("snapshots: 1"))
        #expect(text.contains("snap-00000000000000000020.snap: covers sequence 20, ok"), "\(text)")
        #expect(text.contains("torn bytes: 0"))
        #expect(text.contains("problems: none"))
        #expect(text.hasSuffix("result: healthy (exit 0)"))

        let real = try Self.runConsentd(["--verify-data", "--data-dir", directory])
        #expect(real.code == 0)
        #expect(real.output.contains("records: 40, sequence 1...40"), "\(real.output)")
    }

    @Test func aTornTailIsReportedThenCutAtStartWithALogLine() async throws {
        let directory = try Self.makeDirectory()
        defer { Self.remove(directory) }
        let last = try #require(try Self.segments(directory).last)
        let path = directory + "/" + last
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        // The writer keeps zeros ahead of its records (pre-zeroed space):
        // the next write would have gone where they start.
        let zeros = try #require(LogVerifier.verify(directory: directory).segmentFiles.last).preZeroedBytes
        #expect(zeros > 0, "the last segment ends with pre-zeroed space")
        #expect(Self.check(directory).text.contains("; pre-zeroed space: \(zeros) bytes"))
        let size = fileSize - Int(zeros)
        // Ten bytes of a record header: a write cut short by a crash.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64(size))
        handle.write(Data([0x30, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 41, 1]))
        try handle.close()

        let (verdict, text) = Self.check(directory)
        #expect(verdict == .healthy, "a torn tail is an unacknowledged write, not damage: \(text)")
        #expect(text.contains("\(last): sequence"), "\(text)")
        #expect(text.contains("; torn tail: 10 bytes at offset \(size)"), "\(text)")
        #expect(text.contains("torn bytes: 10 (the end of a write that was never acknowledged; the next start cuts them"))

        let server = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: directory)
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        #expect(server.log.contains("cut 10 torn bytes at offset \(size) of \(last)"), "\(server.log)")
        #expect(server.log.contains("recovery: log ends at sequence 40; snapshot snap-00000000000000000020.snap (sequence 20) used; 20 records replayed"), "\(server.log)")
        #expect(server.log.contains("torn bytes cut: 10"))
        #expect(Self.check(directory).text.contains("torn bytes: 0"), "cut for good")
    }

    @Test func aFlippedByteInAnEarlierSegmentIsDamageThatStopsTheStart() async throws {
        let directory = try Self.makeDirectory()
        defer { Self.remove(directory) }
        // Inside the payload of the first record (24-byte segment header, 21-byte record header).
        try Self.flipByte(in: directory + "/" + Self.firstSegment, at: 24 + 21 + 8)

        let (verdict, text) = Self.check(directory)
        #expect(verdict == .damaged)
        let problem = "\(Self.firstSegment) is damaged at byte offset 24: record checksum mismatch at sequence 1 in a segment that is not the last one"
        #expect(text.contains("  \(Self.firstSegment): DAMAGED: \(problem)"), "\(text)")
        #expect(text.contains("problems: 1\n  \(problem)"), "\(text)")
        #expect(text.hasSuffix("result: DAMAGED: consentd would refuse to start on this directory (exit 1)"))

        let real = try Self.runConsentd(["--verify-data", "--data-dir", directory])
        #expect(real.code == 1)
        #expect(real.output.contains(problem))

        #expect {
            _ = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: directory, timeout: .seconds(20))
        } throws: { error in
            "\(error)".contains("cannot use data directory \(directory): \(problem)")
        }
    }

    @Test func aDamagedSnapshotIsReportedAndTheStartFallsBack() async throws {
        let directory = try Self.makeDirectory()
        defer { Self.remove(directory) }
        try Self.flipByte(in: directory + "/snap-00000000000000000020.snap", at: 40)
        let (verdict, text) = Self.check(directory)
        #expect(verdict == .damaged)
        #expect(text.contains("snap-00000000000000000020.snap: covers sequence 20, DAMAGED (start-up skips it"), "\(text)")
        #expect(text.contains("problems: none"))
        #expect(text.hasSuffix("result: DAMAGED: 1 damaged snapshot(s); consentd would start without them (exit 1)"))

        let server = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: directory)
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        #expect(server.log.contains("no snapshot used; 40 records replayed"), "\(server.log)")
        #expect(server.log.contains("damaged snapshots skipped: snap-00000000000000000020.snap"), "\(server.log)")
    }

    @Test func aMissingDirectoryOrAFileIsUnusable() throws {
        let missing = NSTemporaryDirectory() + "no-such-consent-data-\(UInt64.random(in: 0...UInt64.max))"
        let (verdict, text) = Self.check(missing)
        #expect(verdict == .unusable)
        #expect(text == "data directory \(missing): no such directory\nresult: UNUSABLE (exit 2)")
        let real = try Self.runConsentd(["--verify-data", "--data-dir", missing])
        #expect(real.code == 2)
        #expect(real.output.contains("no such directory"))

        let file = missing + ".file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(Self.check(file).verdict == .unusable)
        #expect(Self.check(file).text.contains("not a directory"))
    }

    @Test func anEmptyDirectoryIsHealthy() throws {
        let directory = TestHub.makeTemporaryDirectory("verify-empty")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (verdict, text) = Self.check(directory)
        #expect(verdict == .healthy)
        #expect(text.contains("segments: 0\nrecords: 0\nsnapshots: 0"), "\(text)")
    }
}
