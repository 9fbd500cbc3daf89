import Testing
@testable import ConsentStore

@Suite("Record format")
struct RecordFormatTests {
    func encoded(type: UInt8, sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        RecordFormat.appendUnsealed(into: &bytes, type: type, sequence: sequence, payload: payload)
        bytes.withUnsafeMutableBytes { RecordFormat.seal($0) }
        return bytes
    }

    @Test("a record decodes to what was encoded")
    func roundTrip() throws {
        for size in [0, 1, 100, 5000] {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let bytes = encoded(type: 9, sequence: 123_456_789_012, payload: data)
            #expect(bytes.count == RecordFormat.headerSize + size)
            let decoded = bytes.withUnsafeBytes { RecordFormat.decode($0, at: 0, maxPayload: 1 << 20) }
            guard case .record(let record) = decoded else {
                Issue.record("did not decode: \(decoded)")
                continue
            }
            #expect(record.type == 9)
            #expect(record.sequence == 123_456_789_012)
            #expect(record.batchIndex == 0)
            #expect(Array(bytes[record.payload]) == data)
            #expect(record.end == bytes.count)
        }
    }

    @Test("sealing a batch numbers its records and every one checks")
    func batchSeal() {
        var batch: [UInt8] = []
        for i in 0..<5 { RecordFormat.appendUnsealed(into: &batch, type: 1, sequence: UInt64(10 + i), payload: payload(i)) }
        batch.withUnsafeMutableBytes { RecordFormat.seal($0) }
        var offset = 0
        var index: UInt32 = 0
        while offset < batch.count {
            guard case .record(let record) = batch.withUnsafeBytes({ RecordFormat.decode($0, at: offset, maxPayload: 1000) }) else {
                Issue.record("record \(index) does not decode")
                return
            }
            #expect(record.batchIndex == index)
            #expect(record.sequence == UInt64(10) + UInt64(index))
            offset = record.end
            index += 1
        }
        #expect(index == 5)
    }

    @Test("the CRC catches every single-bit flip in an encoded record")
    func everyBitFlipIsCaught() {
        let original = encoded(type: 3, sequence: 42, payload: payload(7, size: 60))
        for bit in 0..<(original.count * 8) {
            var damaged = original
            damaged[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            let decoded = damaged.withUnsafeBytes { RecordFormat.decode($0, at: 0, maxPayload: 1 << 20) }
            if case .record = decoded {
                Issue.record("flipping bit \(bit) was not detected")
            }
        }
    }

    @Test("segment header round trip, and damage to it is refused")
    func segmentHeader() {
        let header = SegmentHeader.encode(firstSequence: 77)
        #expect(header.count == SegmentHeader.size)
        #expect(header.withUnsafeBytes { try? SegmentHeader.decode($0).get() } == 77)
        for bit in 0..<(header.count * 8) {
            var damaged = header
            damaged[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            #expect(damaged.withUnsafeBytes { try? SegmentHeader.decode($0).get() } == nil, "bit \(bit)")
        }
    }

    @Test("snapshot file round trip, and any flipped bit is refused")
    func snapshotFormat() {
        let file = SnapshotFormat.encode(sequence: 99, payload: payload(3, size: 30))
        let decoded = file.withUnsafeBytes { try? SnapshotFormat.decode($0).get() }
        #expect(decoded?.sequence == 99)
        #expect(decoded.map { Array(file[$0.payload]) } == payload(3, size: 30))
        for bit in stride(from: 0, to: file.count * 8, by: 3) {
            var damaged = file
            damaged[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            #expect(damaged.withUnsafeBytes { try? SnapshotFormat.decode($0).get() } == nil, "bit \(bit)")
        }
    }

    @Test("file names sort in sequence order and parse back")
    func fileNames() {
        #expect(FileNames.segment(firstSequence: 1) == "log-00000000000000000001.seg")
        #expect(FileNames.parseSegment("log-00000000000000000042.seg") == 42)
        #expect(FileNames.parseSnapshot(FileNames.snapshot(sequence: UInt64.max)) == UInt64.max)
        #expect(FileNames.parseSegment("log-42.seg") == nil)
        #expect(FileNames.segment(firstSequence: 9) < FileNames.segment(firstSequence: 10))
    }
}
