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
