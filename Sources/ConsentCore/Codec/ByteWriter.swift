/// Appends the primitive encodings of ``EventCodec``: LEB128 varints, zigzag
/// varints for signed values, fixed big-endian words for ids and hashes,
/// length-prefixed UTF-8 strings.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ v: Int64) {
        varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    mutating func fixed64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func optionalString(_ s: String?) {
        if let s { u8(1); string(s) } else { u8(0) }
    }

    mutating func resourceID(_ id: ResourceID) {
        varint(UInt64(id.serviceCode))
        varint(UInt64(id.editionCode))
    }

    mutating func requestID(_ id: RequestID) {
        fixed64(id.high)
        fixed64(id.low)
    }

    mutating func digest(_ d: SHA256Digest) {
        fixed64(d.w0); fixed64(d.w1); fixed64(d.w2); fixed64(d.w3)
    }
}
