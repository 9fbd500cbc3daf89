/// Reads what ``ByteWriter`` wrote, checking every length against the bytes
/// left, so truncated or garbage input throws instead of crashing.
///
/// Field names are `StaticString`s and error messages are built only when
/// decoding fails: the success path allocates nothing but the strings it returns.
/// - Important: lives only inside `withUnsafeBufferPointer`; never store it.
struct ByteReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    var remaining: Int { buffer.count - offset }

    /// The next `length` bytes (at most ``remaining``) as a reader of their
    /// own that ends where they end, with offsets counted from the start of
    /// the whole input as here; this reader skips them. Two sections may be
    /// read on two threads.
    mutating func section(_ length: Int) -> ByteReader {
        var part = ByteReader(UnsafeBufferPointer(rebasing: buffer[..<(offset + length)]))
        part.offset = offset
        offset += length
        return part
    }
    var isAtEnd: Bool { offset >= buffer.count }

    func fail(_ message: String) -> CodecError {
        CodecError(message, offset: offset)
    }

    func truncated(_ needed: Int, _ field: StaticString, _ part: StaticString = "") -> CodecError {
        fail("truncated input: \(remaining) bytes left, \(needed) needed for \(field)\(part)")
    }

    @inline(__always)
    mutating func u8(_ field: StaticString) throws(CodecError) -> UInt8 {
        guard offset < buffer.count else { throw truncated(1, field) }
        let b = buffer[offset]
        offset += 1
        return b
    }

    mutating func bool(_ field: StaticString) throws(CodecError) -> Bool {
        guard offset < buffer.count else { throw truncated(1, field, " flag") }
        let b = buffer[offset]
        guard b <= 1 else { throw fail("\(field) flag must be 0 or 1, found \(b)") }
        offset += 1
        return b == 1
    }

    @inline(__always)
    mutating func varint(_ field: StaticString, _ part: StaticString = "") throws(CodecError) -> UInt64 {
        // Fast path: one byte.
        if offset < buffer.count, buffer[offset] < 0x80 {
            let b = buffer[offset]
            offset += 1
            return UInt64(b)
        }
        return try varintSlow(field, part)
    }

    mutating func varintSlow(_ field: StaticString, _ part: StaticString) throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < buffer.count else { throw truncated(1, field, part) }
            let b = buffer[offset]
            offset += 1
            if shift == 63, b > 1 { throw fail("\(field)\(part) does not fit in 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift <= 63 else { throw fail("\(field)\(part) does not fit in 64 bits") }
        }
    }

    mutating func zigzag(_ field: StaticString) throws(CodecError) -> Int64 {
        let v = try varint(field)
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    mutating func uint32(_ field: StaticString, _ part: StaticString = "") throws(CodecError) -> UInt32 {
        let v = try varint(field, part)
        guard let small = UInt32(exactly: v) else { throw fail("\(field)\(part) \(v) does not fit in 32 bits") }
        return small
    }

    mutating func count(_ field: StaticString, elementSize: Int = 1) throws(CodecError) -> Int {
        let v = try varint(field)
        // Each element takes at least `elementSize` bytes: a count beyond what is
        // left is garbage, and must not make us reserve gigabytes.
        guard v <= UInt64(remaining / max(elementSize, 1)) else {
            throw fail("\(field) \(v) is more than the \(remaining) bytes left can hold")
        }
        return Int(v)
    }

    @inline(__always)
    mutating func fixed64Unchecked() -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(buffer[offset + i]) }
        offset += 8
        return v
    }

    mutating func fixed64(_ field: StaticString) throws(CodecError) -> UInt64 {
        guard remaining >= 8 else { throw truncated(8, field) }
        return fixed64Unchecked()
    }

    mutating func string(_ field: StaticString) throws(CodecError) -> String {
        let n = try varint(field, " length")
        guard n <= UInt64(remaining) else { throw truncated(Int(clamping: n), field) }
        let slice = UnsafeBufferPointer(rebasing: buffer[offset..<offset + Int(n)])
        offset += Int(n)
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func optionalString(_ field: StaticString) throws(CodecError) -> String? {
        try bool(field) ? try string(field) : nil
    }

    mutating func resourceID(_ field: StaticString) throws(CodecError) -> ResourceID {
        let service = try uint32(field, " service code")
        return ResourceID(serviceCode: service, editionCode: try uint32(field, " edition code"))
    }

    mutating func requestID(_ field: StaticString = "request id") throws(CodecError) -> RequestID {
        guard remaining >= 16 else { throw truncated(16, field) }
        let high = fixed64Unchecked()
        return RequestID(high: high, low: fixed64Unchecked())
    }

    mutating func digest(_ field: StaticString) throws(CodecError) -> SHA256Digest {
        guard remaining >= 32 else { throw truncated(32, field) }
        let a = fixed64Unchecked(), b = fixed64Unchecked(), c = fixed64Unchecked()
        return SHA256Digest(words: a, b, c, fixed64Unchecked())
    }

    mutating func organisation(_ field: StaticString) throws(CodecError) -> OrganisationNumber {
        let v = try uint32(field)
        guard v <= 999_999_999 else { throw fail("\(field) \(v) has more than 9 digits") }
        return OrganisationNumber(unchecked: v)
    }

    mutating func party(_ field: StaticString) throws(CodecError) -> PartyID? {
        let key = try varint(field)
        if key & (1 << 63) == 0, key > 99_999_999_999 { throw fail("\(field) is neither a national id nor an organisation number") }
        if key & (1 << 63) != 0, key & ~(1 << 63) > 999_999_999 { throw fail("\(field) has an organisation number of more than 9 digits") }
        return PartyID(key: key)
    }

    mutating func enumeration<E: RawRepresentable>(_ type: E.Type, _ field: StaticString) throws(CodecError) -> E where E.RawValue == UInt8 {
        let raw = try u8(field)
        guard let value = E(rawValue: raw) else { throw fail("unknown \(field) \(raw)") }
        return value
    }
}
