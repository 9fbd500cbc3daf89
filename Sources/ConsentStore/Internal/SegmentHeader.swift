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
package enum HeaderProblem: Error {
    /// Shorter than a header: a file created just before a crash.
    case truncated
    /// All zeros: a file extended but never written before a crash.
    case zeroed
    case problem(String)
}
