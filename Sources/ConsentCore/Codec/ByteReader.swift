/// Reads what ``ByteWriter`` wrote, checking every length against the bytes
/// left, so truncated or garbage input throws instead of crashing.
/// - Important: lives only inside `withUnsafeBufferPointer`; never store it.
struct ByteReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    var remaining: Int { buffer.count - offset }
    var isAtEnd: Bool { offset >= buffer.count }

    func fail(_ message: String) -> CodecError {
        CodecError(message, offset: offset)
    }

    func truncated(_ needed: Int, _ field: String) -> CodecError {
        fail("truncated input: \(remaining) bytes left, \(needed) needed for \(field)")
    }

    mutating func u8(_ field: String) throws(CodecError) -> UInt8 {
        guard offset < buffer.count else { throw truncated(1, field) }
        let b = buffer[offset]
        offset += 1
        return b
    }

    mutating func bool(_ field: String) throws(CodecError) -> Bool {
        let b = try u8(field)
        guard b <= 1 else { throw fail("\(field) must be 0 or 1, found \(b)") }
        return b == 1
    }

    mutating func varint(_ field: String) throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < buffer.count else { throw truncated(1, field) }
            let b = buffer[offset]
            offset += 1
            if shift == 63, b > 1 { throw fail("\(field) does not fit in 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift <= 63 else { throw fail("\(field) does not fit in 64 bits") }
        }
    }

    mutating func zigzag(_ field: String) throws(CodecError) -> Int64 {
        let v = try varint(field)
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    mutating func uint32(_ field: String) throws(CodecError) -> UInt32 {
        let v = try varint(field)
        guard let small = UInt32(exactly: v) else { throw fail("\(field) \(v) does not fit in 32 bits") }
        return small
    }

    mutating func count(_ field: String, elementSize: Int = 1) throws(CodecError) -> Int {
        let v = try varint(field)
        // Each element takes at least `elementSize` bytes: a count beyond what is
        // left is garbage, and must not make us reserve gigabytes.
        guard v <= UInt64(remaining / max(elementSize, 1)) else {
            throw fail("\(field) \(v) is more than the \(remaining) bytes left can hold")
        }
        return Int(v)
    }

    mutating func fixed64(_ field: String) throws(CodecError) -> UInt64 {
        guard remaining >= 8 else { throw truncated(8, field) }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(buffer[offset + i]) }
        offset += 8
        return v
    }

    mutating func string(_ field: String) throws(CodecError) -> String {
        let n = try varint(field + " length")
        guard n <= UInt64(remaining) else { throw truncated(Int(clamping: n), field) }
        let slice = UnsafeBufferPointer(rebasing: buffer[offset..<offset + Int(n)])
        offset += Int(n)
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func optionalString(_ field: String) throws(CodecError) -> String? {
        try bool(field + " presence") ? try string(field) : nil
    }

    mutating func resourceID(_ field: String) throws(CodecError) -> ResourceID {
        ResourceID(serviceCode: try uint32(field + " service code"), editionCode: try uint32(field + " edition code"))
    }

    mutating func requestID(_ field: String = "request id") throws(CodecError) -> RequestID {
        guard remaining >= 16 else { throw truncated(16, field) }
        return RequestID(high: try fixed64(field), low: try fixed64(field))
    }

    mutating func digest(_ field: String) throws(CodecError) -> SHA256Digest {
        guard remaining >= 32 else { throw truncated(32, field) }
        return SHA256Digest(words: try fixed64(field), try fixed64(field), try fixed64(field), try fixed64(field))
    }

    mutating func organisation(_ field: String) throws(CodecError) -> OrganisationNumber {
        let v = try uint32(field)
        guard v <= 999_999_999 else { throw fail("\(field) \(v) has more than 9 digits") }
        return OrganisationNumber(unchecked: v)
    }

    mutating func party(_ field: String) throws(CodecError) -> PartyID? {
        let key = try varint(field)
        if key & (1 << 63) == 0, key > 99_999_999_999 { throw fail("\(field) is neither a national id nor an organisation number") }
        if key & (1 << 63) != 0, key & ~(1 << 63) > 999_999_999 { throw fail("\(field) has an organisation number of more than 9 digits") }
        return PartyID(key: key)
    }

    mutating func enumeration<E: RawRepresentable>(_ type: E.Type, _ field: String) throws(CodecError) -> E where E.RawValue == UInt8 {
        let raw = try u8(field)
        guard let value = E(rawValue: raw) else { throw fail("unknown \(field) \(raw)") }
        return value
    }
}
