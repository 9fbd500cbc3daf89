#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

/// Pre-zeroed space (``LogOptions/preZeroBytes``): the writer keeps zeros
/// written and synced ahead of its records, so a batch that fits in them
/// changes no file length and its `fdatasync` flushes data only. A crash
/// inside that space must recover exactly the acknowledged records, and no
/// byte of a torn write may ever come back as data.
@Suite("Pre-zeroed segments")
struct PreZeroedSegmentTests {
    let segment1 = FileNames.segment(firstSequence: 1)

    func options(preZero: Int = 64 << 10, _ lines: LogLines = LogLines()) -> LogOptions {
        var options = testOptions(lines)
        options.preZeroBytes = preZero
        return options
    }

    /// The offset just past the last record of a segment's bytes.
    func dataEnd(_ bytes: [UInt8]) -> Int {
        guard let last = recordOffsets(bytes).last else { return SegmentHeader.size }
        return bytes.withUnsafeBytes { raw in
            guard case .record(let record) = RecordFormat.decode(raw, at: last, maxPayload: 1 << 20) else { return last }
            return record.end
        }
    }

    @Test("batches inside the pre-zeroed space leave the file's length unchanged; the crossing batch writes the next stretch")
    func lengthChangesOncePerStretch() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir, options(preZero: 4096))
        defer { log.close() }
        _ = try log.appendAndWait(1).get()
        let first = dir.size(segment1)
        #expect(first == dataEnd(dir.read(segment1)) + 4096, "the first batch wrote 4 KiB of zeros behind its record")
        // 61-byte records: 60 of them fill most of the 4 KiB without crossing it.
        for i in 2...60 { _ = try log.appendAndWait(i).get() }
        #expect(dir.size(segment1) == first, "no batch inside the zeros changed the length")
        #expect(Array(dir.read(segment1)[dataEnd(dir.read(segment1))...]).allSatisfy { $0 == 0 })
        for i in 61...80 { _ = try log.appendAndWait(i).get() }
        let end = dataEnd(dir.read(segment1))
        #expect(dir.size(segment1) > first)
        #expect(dir.size(segment1) <= end + 4096)
        #expect(recordOffsets(dir.read(segment1)).count == 80)
    }

    @Test("pre-zeroed space stops at the segment size, and a roll cuts it off the old segment before the new one exists")
    func rollCutsTheZeros() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = options(preZero: 64 << 10)
        options.segmentSize = 1000
        let (log, _, _) = try openToy(dir, options)
        _ = try log.appendAndWait(1).get()
        #expect(dir.size(segment1) == 1000, "zeros up to the segment size, not the full stretch")
        for i in 2...40 { _ = try log.appendAndWait(i).get() }
        log.close()
        let segments = dir.segments()
        #expect(segments.count > 2)
        for name in segments.dropLast() {
            let bytes = dir.read(name)
            #expect(bytes.count == dataEnd(bytes), "\(name) ends with its last record")
        }
        let verified = LogVerifier.verify(directory: dir.data)
        #expect(verified.isHealthy, "\(verified)")
        #expect(verified.tornBytes == 0)
        #expect(verified.preZeroedBytes > 0)
        let (reopened, state, report) = try openToy(dir, options)
        reopened.close()
        #expect(state == expectedState(40))
        #expect(report.tornBytesCut == 0, "zeros are not torn bytes")
    }

    @Test("reopening after a clean close: the zeros are cut, not reported as torn, and the writer zeroes afresh")
    func cleanReopen() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let lines = LogLines()
        let (log, _, _) = try openToy(dir, options(lines))
        for i in 1...10 { _ = try log.appendAndWait(i).get() }
        log.close()
        let zeros = dir.size(segment1) - dataEnd(dir.read(segment1))
        #expect(zeros > 0)
        let (reopened, state, report) = try openToy(dir, options(lines))
        #expect(state == expectedState(10))
        #expect(report.tornBytesCut == 0)
        #expect(!lines.contains("torn bytes"))
        #expect(dir.size(segment1) == dataEnd(dir.read(segment1)), "recovery cut the zeros")
        _ = try reopened.appendAndWait(11).get()
        #expect(dir.size(segment1) == dataEnd(dir.read(segment1)) + (64 << 10), "the next batch zeroed a fresh stretch")
        reopened.close()
    }

    /// One batch of records 11...13 as the writer would seal it.
    func batch(from first: Int, count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for n in first..<(first + count) {
            RecordFormat.appendUnsealed(into: &bytes, type: UInt8(n % 7), sequence: UInt64(n), payload: payload(n))
        }
        bytes.withUnsafeMutableBytes { RecordFormat.seal($0) }
        return bytes
    }

    /// A log of 10 acknowledged records, closed, with pre-zeroed space behind them.
    func acknowledgedTen(_ dir: TestDirectory) throws -> (bytes: [UInt8], end: Int) {
        let (log, _, _) = try openToy(dir, options())
        for i in 1...10 { _ = try log.appendAndWait(i).get() }
        log.close()
        let bytes = dir.read(segment1)
        return (bytes, dataEnd(bytes))
    }

    @Test("a write torn at any length inside the pre-zeroed space recovers exactly the acknowledged records")
    func tornInsideZerosEveryLength() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (original, end) = try acknowledgedTen(dir)
        let unacknowledged = batch(from: 11, count: 3)
        let firstRecord = RecordFormat.headerSize + payload(11).count
        // Every cut inside the batch's first record: the process died during
        // the batch's pwrite, over zeros that were already on disk.
        for length in stride(from: 1, to: firstRecord, by: 3) {
            var bytes = original
            bytes.replaceSubrange(end..<(end + length), with: unacknowledged[..<length])
            dir.write(segment1, bytes)
            let lines = LogLines()
            let (log, state, report) = try openToy(dir, options(lines))
            #expect(state == expectedState(10), "torn at \(length)")
            #expect(report.lastSequence == 10)
            let nonZero = (unacknowledged[..<length].lastIndex { $0 != 0 } ?? -1) + 1
            #expect(report.tornBytesCut == Int64(nonZero), "torn at \(length)")
            #expect(dir.size(segment1) == end, "torn bytes and zeros cut")
            // The next write lands where the torn one was; nothing of it survives.
            #expect(try log.appendAndWait(11, size: 8).get() == 11)
            log.close()
            let (again, state2, report2) = try openToy(dir, options())
            again.close()
            #expect(report2.lastSequence == 11)
            #expect(report2.tornBytesCut == 0)
            var expected = expectedState(10)
            payload(11, size: 8).withUnsafeBytes { try! expected.apply(recordType: 4, payload: $0, sequence: 11) }
            #expect(state2 == expected)
            dir.write(segment1, original)
        }
    }

    @Test("an unacknowledged batch persisted out of order inside the zeros: refused by default, cut to exactly the acknowledged records when allowed, and its complete records never come back")
    func outOfOrderInsideZeros() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (original, end) = try acknowledgedTen(dir)
        // Power loss: the batch's second and third records reached the disk,
        // the first did not (still zeros where it should start).
        let unacknowledged = batch(from: 11, count: 3)
        let firstRecord = RecordFormat.headerSize + payload(11).count
        var bytes = original
        bytes.replaceSubrange((end + firstRecord)..<(end + unacknowledged.count), with: unacknowledged[firstRecord...])
        dir.write(segment1, bytes)

        let refusal = try #require(openToyFailure(dir, options()))
        #expect("\(refusal)".contains("same write batch"), "\(refusal)")
        #expect(dir.read(segment1) == bytes, "nothing changed on a refusal")

        var allowed = options()
        allowed.cutTornFinalBatch = true
        let (log, state, report) = try openToy(dir, allowed)
        #expect(state == expectedState(10))
        #expect(report.tornBytesCut == Int64(unacknowledged.count))
        // A short record where the batch was: records 12 and 13's old bytes
        // lie beyond it and must not be read as the log's 12 and 13.
        #expect(try log.appendAndWait(11, size: 8).get() == 11)
        log.close()
        let (again, _, report2) = try openToy(dir, allowed)
        again.close()
        #expect(report2.lastSequence == 11)
        #expect(LogVerifier.verify(directory: dir.data).isHealthy)
    }

    @Test("a crash while the zeros themselves were being written: the records before them are all there")
    func crashWhileZeroing() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fileSystem = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, options(preZero: 4096), fileSystem: fileSystem)
        _ = try log.appendAndWait(1).get()
        // The 61st record crosses the 4 KiB of zeros; its batch writes the
        // record, then the next zeros, which fail half-way (a full disk).
        for i in 2...60 { _ = try log.appendAndWait(i).get() }
        let size = dir.size(segment1)
        var i = 61
        while dir.size(segment1) == size && i < 200 {
            // Fail the second pwrite of the next batch (its zeros) after 100 bytes.
            fileSystem.inject(.init(.pwrite, errno: ENOSPC, after: 1, pathContains: ".seg", partialBytes: 100))
            let result = log.appendAndWait(i)
            if case .failure = result { break }
            fileSystem.clearFaults()
            i += 1
        }
        log.close()
        let (reopened, state, report) = try openToy(dir, options(preZero: 4096))
        reopened.close()
        // The failed batch was never acknowledged: it may or may not be there.
        #expect(report.lastSequence == UInt64(i - 1) || report.lastSequence == UInt64(i))
        #expect(state == expectedState(Int(report.lastSequence)))
        #expect(LogVerifier.verify(directory: dir.data).isHealthy)
    }
}
