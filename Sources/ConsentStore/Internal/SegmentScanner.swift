/// Walks the records of one segment's bytes and judges any damage by the
/// recovery rules of docs/STORAGE.md. Shared by `open` (which cuts a torn tail)
/// and ``LogVerifier`` (which only reports it).
struct SegmentScanner {
    let name: String
    let isLast: Bool
    let maxPayload: Int
    let cutTornFinalBatch: Bool

    /// What the scan found.
    struct Outcome {
        /// The segment's first sequence number (from its header).
        var firstSequence: UInt64
        /// The next sequence number after the last valid record.
        var nextSequence: UInt64
        /// Valid records seen.
        var records: UInt64 = 0
        /// The offset just past the last valid record: where a torn tail starts.
        var validEnd: Int
        /// Bytes after `validEnd` that recovery cuts as a torn tail: up to
        /// the last byte that is not zero.
        var tornBytes: Int = 0
        /// Zeros after them, to the end of the file: space the writer
        /// pre-zeroed ahead of its records (or a file extended before a
        /// crash). Recovery cuts them too; they are not data.
        var zeroTail: Int = 0
    }

    /// The header of a last segment was never completely written: a crash
    /// right after the file was created. The whole file is a torn tail.
    struct TornHeader: Error {}

    /// Scans `bytes`, calling `visit` for each valid record in order.
    /// - Parameter expectedFirst: the sequence number the segment must start
    ///   with (`nil` for the first segment read).
    /// - Throws: ``StoreError/corrupted(file:offset:reason:)`` for damage a crash
    ///   cannot explain, `TornHeader` (as `.failure`) for a half-created last
    ///   segment, and whatever `visit` throws.
    func scan(
        _ bytes: UnsafeRawBufferPointer,
        nameSequence: UInt64,
        expectedFirst: UInt64?,
        visit: (RecordFormat.Record) throws(StoreError) -> Void
    ) throws(StoreError) -> Result<Outcome, TornHeader> {
        let first: UInt64
        switch SegmentHeader.decode(bytes) {
        case .success(let value):
            first = value
        case .failure(.truncated) where isLast, .failure(.zeroed) where isLast:
            return .failure(TornHeader())
        case .failure(.truncated):
            throw .corrupted(file: name, offset: 0, reason: "the segment is shorter than its header (\(bytes.count) bytes)")
        case .failure(.zeroed):
            throw .corrupted(file: name, offset: 0, reason: "the segment header is all zeros")
        case .failure(.problem(let reason)):
            throw .corrupted(file: name, offset: 0, reason: reason)
        }
        guard first == nameSequence else {
            throw .corrupted(file: name, offset: 16, reason: "the header says the first sequence is \(first), the file name says \(nameSequence)")
        }
        if let expectedFirst, first != expectedFirst {
            let reason = first > expectedFirst
                ? "a segment is missing: sequences \(expectedFirst)...\(first - 1) are in no segment"
                : "the segment starts at sequence \(first) but the previous segment already reached \(expectedFirst - 1)"
            throw .corrupted(file: name, offset: 16, reason: reason)
        }

        var outcome = Outcome(firstSequence: first, nextSequence: first, validEnd: SegmentHeader.size)
        var offset = SegmentHeader.size
        while offset < bytes.count {
            let problem: String
            switch RecordFormat.decode(bytes, at: offset, maxPayload: maxPayload) {
            case .record(let record):
                guard record.sequence == outcome.nextSequence else {
                    let kind = record.sequence < outcome.nextSequence ? "goes backwards" : "skips ahead"
                    throw .corrupted(file: name, offset: Int64(offset), reason: "the sequence \(kind): found \(record.sequence) where \(outcome.nextSequence) was expected")
                }
                try visit(record)
                outcome.records += 1
                outcome.nextSequence += 1
                offset = record.end
                outcome.validEnd = offset
                continue
            case .truncated:
                problem = "the record is cut short (\(bytes.count - offset) bytes left in the file)"
            case .badLength(let length):
                problem = "the record length \(length) exceeds the maximum payload size \(maxPayload)"
            case .badChecksum:
                problem = "record checksum mismatch"
            }
            try judgeDamage(bytes, at: offset, expected: outcome.nextSequence, problem: problem)
            let nonZeroEnd = Self.endOfNonZero(bytes, from: offset)
            outcome.tornBytes = nonZeroEnd - offset
            outcome.zeroTail = bytes.count - nonZeroEnd
            break
        }
        return .success(outcome)
    }

    /// Decides whether damage at `offset` is a torn tail (returns) or refuses (throws).
    private func judgeDamage(_ bytes: UnsafeRawBufferPointer, at offset: Int, expected: UInt64, problem: String) throws(StoreError) {
        let position = "at sequence \(expected)"
        guard isLast else {
            throw .corrupted(file: name, offset: Int64(offset), reason: "\(problem) \(position) in a segment that is not the last one")
        }
        switch Self.validRecordsAfter(bytes, damageAt: offset, expected: expected, maxPayload: maxPayload) {
        case .none:
            return
        case .sameBatch(let last):
            if cutTornFinalBatch { return }
            throw .corrupted(file: name, offset: Int64(offset), reason: "\(problem) \(position), followed by valid records up to sequence \(last) of the same write batch; most likely that batch's write was torn by a power loss and never acknowledged (consentd --cut-torn-final-batch, or LogOptions.cutTornFinalBatch, cuts it)")
        case .laterBatch(let sequence, let at):
            throw .corrupted(file: name, offset: Int64(offset), reason: "\(problem) \(position), followed by a valid record of a later write batch (sequence \(sequence) at offset \(at)): data that was acknowledged is damaged")
        }
    }

    /// The offset just past the last byte at or after `offset` that is not
    /// zero (`offset` itself when all of them are zero).
    static func endOfNonZero(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int {
        var end = bytes.count
        // Eight bytes at a time over the (usually long) zero run.
        while end - 8 >= offset && bytes.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) == 0 { end -= 8 }
        while end > offset && bytes[end - 1] == 0 { end -= 1 }
        return end
    }

    enum Following: Equatable {
        /// Nothing valid after the damage (including a zero-filled tail).
        case none
        /// Valid records after the damage, all from the damaged record's write batch.
        case sameBatch(lastSequence: UInt64)
        /// A valid record of a batch written after the damaged one.
        case laterBatch(sequence: UInt64, offset: Int)
    }

    /// Searches every byte offset after the damage for a record that checks.
    /// A crash leaves at most one unsynced batch, so this only runs over a
    /// short tail in practice; the sequence-range test keeps garbage cheap.
    static func validRecordsAfter(_ bytes: UnsafeRawBufferPointer, damageAt offset: Int, expected: UInt64, maxPayload: Int) -> Following {
        var probe = offset
        // Fast path for the common zero-filled tail (a file extended, then a crash).
        while probe < bytes.count && bytes[probe] == 0 { probe += 1 }
        if probe == bytes.count { return .none }

        let maxRecords = UInt64(bytes.count - offset) / UInt64(RecordFormat.headerSize) + 1
        var result = Following.none
        var q = offset + 1
        while q + RecordFormat.headerSize <= bytes.count {
            let length = Int(bytes.loadLittleEndian(UInt32.self, at: q))
            let sequence = bytes.loadLittleEndian(UInt64.self, at: q + 8)
            if length <= maxPayload,
               q + RecordFormat.headerSize + length <= bytes.count,
               sequence >= expected, sequence - expected < maxRecords,
               bytes.loadLittleEndian(UInt32.self, at: q + 4) == RecordFormat.checksum(bytes, at: q, payloadLength: length) {
                let batchIndex = UInt64(bytes.loadLittleEndian(UInt32.self, at: q + 16))
                if sequence < batchIndex || sequence - batchIndex > expected {
                    return .laterBatch(sequence: sequence, offset: q)
                }
                result = .sameBatch(lastSequence: sequence)
                q += RecordFormat.headerSize + length
                continue
            }
            q += 1
        }
        return result
    }
}
