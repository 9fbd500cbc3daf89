/// The on-disk record (little-endian; see docs/STORAGE.md):
///
/// ```
/// 0   u32  payload length N
/// 4   u32  CRC-32C of bytes 0..<4 and 8..<21+N (length, sequence, batch index, type, payload)
/// 8   u64  sequence number (LSN)
/// 16  u32  batch index: how many records of the same write batch precede this one
/// 20  u8   record type
/// 21  N    payload
/// ```
///
/// The CRC covers the length so that a damaged length cannot frame a
/// different record that happens to check. The batch index lets recovery tell
/// damage inside the last, unacknowledged write from damage in data that was
/// synced before a later batch was written.
enum RecordFormat {
    static let headerSize = 21

    /// Appends a record with the CRC and batch index left zero: the writer
    /// seals the batch just before writing it (``seal(_:)``), so the append
    /// path only copies.
    static func appendUnsealed(into buffer: inout [UInt8], type: UInt8, sequence: UInt64, payload: [UInt8]) {
        buffer.appendLittleEndian(UInt32(payload.count))
        buffer.appendLittleEndian(UInt32(0))
        buffer.appendLittleEndian(sequence)
        buffer.appendLittleEndian(UInt32(0))
        buffer.append(type)
        buffer.append(contentsOf: payload)
    }

    /// Writes each record's batch index and CRC. `batch` holds whole records
    /// made by ``appendUnsealed(into:type:sequence:payload:)``.
    static func seal(_ batch: UnsafeMutableRawBufferPointer) {
        var offset = 0
        var index: UInt32 = 0
        while offset < batch.count {
            let length = Int(batch.loadLittleEndian(UInt32.self, at: offset))
            batch.storeLittleEndian(index, at: offset + 16)
            batch.storeLittleEndian(checksum(UnsafeRawBufferPointer(batch), at: offset, payloadLength: length), at: offset + 4)
            offset += headerSize + length
            index += 1
        }
    }

    /// The CRC of the record at `offset` (whose header is complete and whose
    /// payload of `payloadLength` bytes fits in `buffer`).
    static func checksum(_ buffer: UnsafeRawBufferPointer, at offset: Int, payloadLength: Int) -> UInt32 {
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + 4]))
        crc.update(UnsafeRawBufferPointer(rebasing: buffer[offset + 8..<offset + headerSize + payloadLength]))
        return crc.value
    }

    /// A record read from a buffer.
    struct Record {
        var type: UInt8
        var sequence: UInt64
        var batchIndex: UInt32
        /// The payload's range in the buffer.
        var payload: Range<Int>
        /// The offset just past the record.
        var end: Int
    }

    /// What is at an offset of a segment.
    enum Decoded {
        case record(Record)
        /// Fewer bytes than a header, or than the header's length announces.
        case truncated
        /// A length above the maximum payload size.
        case badLength(UInt32)
        case badChecksum
    }

    /// Decodes the record at `offset`. Does not judge its sequence number.
    static func decode(_ buffer: UnsafeRawBufferPointer, at offset: Int, maxPayload: Int) -> Decoded {
        guard buffer.count - offset >= headerSize else { return .truncated }
        let length = buffer.loadLittleEndian(UInt32.self, at: offset)
        guard Int(length) <= maxPayload else { return .badLength(length) }
        let end = offset + headerSize + Int(length)
        guard end <= buffer.count else { return .truncated }
        guard buffer.loadLittleEndian(UInt32.self, at: offset + 4) == checksum(buffer, at: offset, payloadLength: Int(length)) else {
            return .badChecksum
        }
        return .record(Record(
            type: buffer[offset + 20],
            sequence: buffer.loadLittleEndian(UInt64.self, at: offset + 8),
            batchIndex: buffer.loadLittleEndian(UInt32.self, at: offset + 16),
            payload: offset + headerSize..<end,
            end: end
        ))
    }
}

/// The 24-byte header at the start of every segment:
///
/// ```
/// 0   8 bytes  magic "CHLOGSEG"
/// 8   u16      format version (1)
/// 10  u16      reserved, 0
/// 12  u32      CRC-32C of bytes 0..<12 and 16..<24
/// 16  u64      sequence number of the segment's first record
/// ```
enum SegmentHeader {
    static let size = 24
    static let magic: [UInt8] = Array("CHLOGSEG".utf8)
    static let version: UInt16 = 1

    static func encode(firstSequence: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(firstSequence)
        let crc = bytes.withUnsafeBytes { checksum($0) }
        bytes.withUnsafeMutableBytes { $0.storeLittleEndian(crc, at: 12) }
        return bytes
    }

    private static func checksum(_ header: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: header[0..<12]))
        crc.update(UnsafeRawBufferPointer(rebasing: header[16..<24]))
        return crc.value
    }

    /// The first sequence number, or why the header is not valid.
    static func decode(_ buffer: UnsafeRawBufferPointer) -> Result<UInt64, HeaderProblem> {
        guard buffer.count >= size else { return .failure(.truncated) }
        guard buffer[0..<8].elementsEqual(magic) else {
            return .failure(buffer[0..<size].allSatisfy { $0 == 0 } ? .zeroed : .problem("bad magic, not a ConsentHub log segment"))
        }
        let version = buffer.loadLittleEndian(UInt16.self, at: 8)
        guard version == Self.version else { return .failure(.problem("unsupported segment format version \(version)")) }
        guard buffer.loadLittleEndian(UInt32.self, at: 12) == checksum(buffer) else {
            return .failure(.problem("segment header checksum mismatch"))
        }
        return .success(buffer.loadLittleEndian(UInt64.self, at: 16))
    }
}

/// Why a header did not decode.
enum HeaderProblem: Error {
    /// Shorter than a header: a file created just before a crash.
    case truncated
    /// All zeros: a file extended but never written before a crash.
    case zeroed
    case problem(String)
}

/// The 32-byte header of a snapshot file, followed by the state's bytes:
///
/// ```
/// 0   8 bytes  magic "CHSNAPSH"
/// 8   u16      format version (1)
/// 10  u16      reserved, 0
/// 12  u32      CRC-32C of bytes 0..<12, 16..<32 and the payload
/// 16  u64      last sequence number the snapshot covers
/// 24  u64      payload length
/// 32  …        payload (ReplayableState.encodeSnapshot())
/// ```
enum SnapshotFormat {
    static let headerSize = 32
    static let magic: [UInt8] = Array("CHSNAPSH".utf8)
    static let version: UInt16 = 1

    static func encode(sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize + payload.count)
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(sequence)
        bytes.appendLittleEndian(UInt64(payload.count))
        bytes.append(contentsOf: payload)
        let crc = bytes.withUnsafeBytes { checksum($0) }
        bytes.withUnsafeMutableBytes { $0.storeLittleEndian(crc, at: 12) }
        return bytes
    }

    private static func checksum(_ file: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: file[0..<12]))
        crc.update(UnsafeRawBufferPointer(rebasing: file[16...]))
        return crc.value
    }

    /// The covered sequence number and the payload's range, or why the file is not valid.
    static func decode(_ file: UnsafeRawBufferPointer) -> Result<(sequence: UInt64, payload: Range<Int>), HeaderProblem> {
        guard file.count >= headerSize else { return .failure(.problem("shorter than a snapshot header (\(file.count) bytes)")) }
        guard file[0..<8].elementsEqual(magic) else { return .failure(.problem("bad magic, not a ConsentHub snapshot")) }
        let version = file.loadLittleEndian(UInt16.self, at: 8)
        guard version == Self.version else { return .failure(.problem("unsupported snapshot format version \(version)")) }
        let length = file.loadLittleEndian(UInt64.self, at: 24)
        guard length == UInt64(file.count - headerSize) else {
            return .failure(.problem("header announces \(length) payload bytes, file has \(file.count - headerSize)"))
        }
        guard file.loadLittleEndian(UInt32.self, at: 12) == checksum(file) else {
            return .failure(.problem("checksum mismatch"))
        }
        return .success((file.loadLittleEndian(UInt64.self, at: 16), headerSize..<file.count))
    }
}

/// File names in the data directory. The first (or covered) sequence number is
/// zero-padded to 20 digits so that names sort in sequence order.
enum FileNames {
    static let lock = "LOCK"

    static func segment(firstSequence: UInt64) -> String { "log-\(padded(firstSequence)).seg" }
    static func snapshot(sequence: UInt64) -> String { "snap-\(padded(sequence)).snap" }
    static let temporarySuffix = ".tmp"

    static func parseSegment(_ name: String) -> UInt64? { parse(name, prefix: "log-", suffix: ".seg") }
    static func parseSnapshot(_ name: String) -> UInt64? { parse(name, prefix: "snap-", suffix: ".snap") }

    private static func padded(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    private static func parse(_ name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}
