import Testing
@testable import ConsentStore

/// Builds segment bytes by hand: `records` are sequence numbers, each its own
/// write batch unless `oneBatch`.
func handmadeSegment(first: UInt64, records: [UInt64], oneBatch: Bool = false) -> [UInt8] {
    var bytes = SegmentHeader.encode(firstSequence: first)
    var batch: [UInt8] = []
    for sequence in records {
        var record: [UInt8] = []
        RecordFormat.appendUnsealed(into: &record, type: UInt8(sequence % 7), sequence: sequence, payload: payload(Int(sequence)))
        if oneBatch { batch += record } else {
            record.withUnsafeMutableBytes { RecordFormat.seal($0) }
            bytes += record
        }
    }
    batch.withUnsafeMutableBytes { RecordFormat.seal($0) }
    return bytes + batch
}

/// Offsets of the records in a segment file.
func recordOffsets(_ bytes: [UInt8]) -> [Int] {
    var offsets: [Int] = []
    var offset = SegmentHeader.size
    while offset < bytes.count, case .record(let record) = bytes.withUnsafeBytes({ RecordFormat.decode($0, at: offset, maxPayload: 1 << 20) }) {
        offsets.append(offset)
        offset = record.end
    }
    return offsets
}

/// Options for tests that cut, flip and append bytes of files the log wrote:
/// pre-zeroed space off, so a segment ends with its last record
/// (PreZeroedSegmentTests covers the zeros).
func rawOptions(_ lines: LogLines = LogLines()) -> LogOptions {
    var options = testOptions(lines)
    options.preZeroBytes = 0
    return options
}

@Suite("Recovery")
struct RecoveryTests {
    let segment1 = FileNames.segment(firstSequence: 1)

    /// Writes `count` records one append at a time and closes.
    func populate(_ dir: TestDirectory, count: Int, options: LogOptions = rawOptions()) throws {
        let (log, _, _) = try openToy(dir, options)
        for i in 1...count { _ = try log.appendAndWait(i).get() }
        log.close()
    }

    @Test("records appended are all there after reopen, in order")
    func reopen() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 20)
        let (log, state, report) = try openToy(dir, rawOptions())
        defer { log.close() }
        #expect(state == expectedState(20))
        #expect(report.lastSequence == 20)
        #expect(report.recordsReplayed == 20)
        #expect(report.tornBytesCut == 0)
        #expect(log.durableSequence == 20)
        #expect(try log.appendAndWait(21).get() == 21)
    }

    @Test("every start syncs the directory before acknowledging writes, even when recovery changed nothing in it")
    func startSyncsTheDirectory() throws {
        // A crash between a roll's fsync of the new segment and its directory
        // sync leaves a segment whose name may not survive power loss; the
        // next run must make it durable before writing into it.
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 5)
        let fileSystem = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, rawOptions(), fileSystem: fileSystem)
        defer { log.close() }
        #expect(fileSystem.fsyncedPaths.contains(dir.data), "\(fileSystem.fsyncedPaths)")
        #expect(try log.appendAndWait(6).get() == 6)
    }

    @Test("a torn last record is cut at every truncation length, keeping exactly the complete records")
    func tornTailEveryLength() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 5)
        let original = dir.read(segment1)
        let lastStart = recordOffsets(original)[4]
        for length in (lastStart + 1)..<original.count {
            dir.write(segment1, Array(original[..<length]))
            let lines = LogLines()
            let (log, state, report) = try openToy(dir, rawOptions(lines))
            log.close()
            #expect(state == expectedState(4), "truncated to \(length)")
            // Zeros at the end of what was written count as (pre-zeroed) space, not torn bytes.
            let torn = (original[lastStart..<length].lastIndex { $0 != 0 } ?? (lastStart - 1)) + 1 - lastStart
            #expect(report.tornBytesCut == Int64(torn))
            #expect(dir.size(segment1) == lastStart)
            #expect(torn == 0 || lines.contains("cut \(torn) torn bytes"))
        }
    }

    @Test("a zero-filled tail (pre-zeroed space, or an extended file) is cut, and not counted as torn bytes")
    func zeroFilledTail() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 3)
        let original = dir.read(segment1)
        dir.write(segment1, original + [UInt8](repeating: 0, count: 4096))
        let lines = LogLines()
        let (log, state, report) = try openToy(dir, rawOptions(lines))
        log.close()
        #expect(state == expectedState(3))
        #expect(report.tornBytesCut == 0)
        #expect(!lines.contains("torn bytes"))
        #expect(dir.read(segment1) == original)
    }

    @Test("a checksum mismatch on the final record, with nothing valid after it, is cut")
    func badFinalRecordIsCut() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 4)
        var bytes = dir.read(segment1)
        let last = recordOffsets(bytes)[3]
        bytes[bytes.count - 3] ^= 0x40
        dir.write(segment1, bytes)
        let (log, state, report) = try openToy(dir, rawOptions())
        log.close()
        #expect(state == expectedState(3))
        #expect(report.tornBytesCut == Int64(bytes.count - last))
    }

    @Test("damage in the middle of the last segment is refused with its name and offset")
    func damagedMiddleRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 5)
        var bytes = dir.read(segment1)
        let second = recordOffsets(bytes)[1]
        bytes[second + 30] ^= 0x01
        dir.write(segment1, bytes)
        let error = try #require(openToyFailure(dir))
        #expect(error.corruptedFile == segment1)
        #expect(error.corruptedOffset == Int64(second))
        #expect("\(error)".contains("later write batch"))
        #expect("\(error)".contains("\(segment1) is damaged at byte offset \(second)"))
        // Nothing was cut: the operator still has every byte.
        #expect(dir.read(segment1) == bytes)
    }

    @Test("damage inside one unacknowledged-looking batch is refused by default, cut when allowed")
    func sameBatchDamage() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir, rawOptions())
        _ = try log.appendAndWait([(1, payload(1)), (2, payload(2)), (3, payload(3)), (4, payload(4))]).get()
        log.close()
        var bytes = dir.read(segment1)
        let offsets = recordOffsets(bytes)
        bytes[offsets[1] + 25] ^= 0x10
        dir.write(segment1, bytes)
        let error = try #require(openToyFailure(dir))
        #expect(error.corruptedOffset == Int64(offsets[1]))
        #expect("\(error)".contains("same write batch"))

        var options = rawOptions()
        options.cutTornFinalBatch = true
        let (reopened, state, report) = try openToy(dir, options)
        reopened.close()
        #expect(state.count == 1)
        #expect(report.tornBytesCut == Int64(bytes.count - offsets[1]))
    }

    @Test("a bad segment header is refused, naming the file")
    func badHeaderRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 2)
        var bytes = dir.read(segment1)
        bytes[0] = UInt8(ascii: "X")
        dir.write(segment1, bytes)
        let error = try #require(openToyFailure(dir))
        #expect(error.corruptedFile == segment1)
        #expect(error.corruptedOffset == 0)
        #expect("\(error)".contains("bad magic"))
    }

    @Test("a last segment whose header was never written is removed")
    func tornHeaderRemoved() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = rawOptions()
        options.segmentSize = 200
        try populate(dir, count: 6, options: options)
        let segments = dir.segments()
        #expect(segments.count > 1)
        let last = segments.last!
        dir.write(last, Array(dir.read(last).prefix(10)))
        let (log, state, report) = try openToy(dir, options)
        defer { log.close() }
        let survivors = Int(report.lastSequence)
        #expect(state == expectedState(survivors))
        #expect(!dir.names().contains(last) || FileNames.parseSegment(last) == UInt64(survivors + 1))
        #expect(report.tornBytesCut == 10)
        #expect(try log.appendAndWait(survivors + 1).get() == UInt64(survivors + 1))
    }

    @Test("segments roll at the configured size and recovery reads across all of them")
    func rollingAndMultiSegmentRecovery() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = rawOptions()
        options.segmentSize = 1000
        try populate(dir, count: 100, options: options)
        let segments = dir.segments()
        #expect(segments.count >= 6)
        #expect(segments.first == segment1)
        // Each segment is named after its first record, and sizes stay near the limit.
        var expectedFirst: UInt64 = 1
        for name in segments {
            let bytes = dir.read(name)
            #expect(FileNames.parseSegment(name) == expectedFirst)
            #expect(bytes.count <= 1000 + 100)
            expectedFirst += UInt64(recordOffsets(bytes).count)
        }
        #expect(expectedFirst == 101)
        let (log, state, report) = try openToy(dir, options)
        defer { log.close() }
        #expect(state == expectedState(100))
        #expect(report.segmentsRead == segments.count)
    }

    @Test("damage in a segment that is not the last is refused, even at its end")
    func damagedEarlierSegmentRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = rawOptions()
        options.segmentSize = 500
        try populate(dir, count: 30, options: options)
        let first = dir.segments()[0]
        let bytes = dir.read(first)
        let lastRecord = recordOffsets(bytes).last!
        dir.write(first, Array(bytes.dropLast(3)))
        let error = try #require(openToyFailure(dir, options))
        #expect(error.corruptedFile == first)
        #expect(error.corruptedOffset == Int64(lastRecord))
        #expect("\(error)".contains("not the last one"))
    }

    @Test("a missing segment in the middle is refused, naming the segment after the gap")
    func missingSegmentRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = rawOptions()
        options.segmentSize = 500
        try populate(dir, count: 40, options: options)
        let segments = dir.segments()
        #expect(segments.count >= 3)
        _ = dir.remove(segments[1])
        let error = try #require(openToyFailure(dir))
        #expect(error.corruptedFile == segments[2])
        #expect("\(error)".contains("missing"))
    }

    @Test("a gap or a step back in sequence numbers is refused")
    func sequenceGapRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        _ = try openToy(dir, rawOptions()).log.close()
        dir.write(segment1, handmadeSegment(first: 1, records: [1, 2, 4, 5]))
        let gap = try #require(openToyFailure(dir))
        #expect("\(gap)".contains("skips ahead"))
        #expect(gap.corruptedOffset == Int64(recordOffsets(dir.read(segment1))[2]))

        dir.write(segment1, handmadeSegment(first: 1, records: [1, 2, 3, 2]))
        let back = try #require(openToyFailure(dir))
        #expect("\(back)".contains("goes backwards"))
    }

    @Test("verify reports a healthy directory, a torn tail and damage without changing anything")
    func verify() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try populate(dir, count: 10)
        let healthy = LogVerifier.verify(directory: dir.data)
        #expect(healthy.isHealthy)
        #expect(healthy.records == 10)
        #expect(healthy.lastSequence == 10)

        let original = dir.read(segment1)
        dir.write(segment1, Array(original.dropLast(5)))
        let torn = LogVerifier.verify(directory: dir.data)
        #expect(torn.isHealthy)
        #expect(torn.records == 9)
        #expect(torn.tornBytes > 0)
        #expect(dir.size(segment1) == original.count - 5)

        var damaged = original
        damaged[recordOffsets(original)[3] + 22] ^= 1
        dir.write(segment1, damaged)
        let report = LogVerifier.verify(directory: dir.data)
        #expect(!report.isHealthy)
        #expect(report.problems.first?.corruptedFile == segment1)
        #expect(report.description.contains("NOT healthy"))
    }
}

extension TestDirectory {
    @discardableResult
    func remove(_ name: String) -> Bool {
        (try? POSIXFileSystem().unlink(file(name))) != nil
    }
}
