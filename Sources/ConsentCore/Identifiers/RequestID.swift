/// The id of a consent request, and of the consent it becomes (Altinn 3 keeps one
/// object: the consent is the accepted request). A random UUID version 4.
public struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes 0–7 of the UUID, big-endian.
    public let high: UInt64
    /// Bytes 8–15 of the UUID, big-endian.
    public let low: UInt64

    /// Creates an id from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Draws a version-4 UUID from a random source.
    public init(using random: inout some RandomNumberGenerator) {
        let a = random.next(), b = random.next()
        // Version 4 in byte 6's high nibble, variant 10 in byte 8's top bits (RFC 9562).
        self.init(high: (a & ~0xF000) | 0x4000, low: (b & ~(0xC0 << 56)) | (0x80 << 56))
    }

    /// Parses the canonical text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`
    /// (hex digits in either case). Reads the text's UTF-8 in place, without a
    /// copy (every logged use and token call parses one), through one
    /// non-generic loop over the bytes: iterated through `StringProtocol`'s
    /// witnesses, byte by byte, it cost a quarter of a microsecond.
    /// - Throws: `invalidArgument` with reason `request_id_malformed`.
    public init(validating text: some StringProtocol) throws(DomainError) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { RequestID.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { RequestID.parse($0) }
        guard let parsed else { throw .requestIDMalformed() }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> RequestID? {
        guard bytes.count == 36 else { return nil }
        // The table is a lazily initialised global: borrow it once, not per digit.
        return hexDigitValues.withUnsafeBufferPointer { table -> RequestID? in
            var high: UInt64 = 0, low: UInt64 = 0
            for position in 0..<36 {
                let byte = bytes[position]
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let nibble = table[Int(byte)]
                guard nibble != notHex else { return nil }
                // Hex digits 0–15 (text positions 0–17) fill the high half, 16–31 the low.
                if position < 18 {
                    high = high << 4 | UInt64(nibble)
                } else {
                    low = low << 4 | UInt64(nibble)
                }
            }
            return RequestID(high: high, low: low)
        }
    }

    public static func < (lhs: RequestID, rhs: RequestID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The 16 bytes, big-endian.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return out
    }

    /// Lowercase canonical text, e.g. `3f2504e0-4f89-41d3-9a0c-0305e82c3301`.
    public var description: String {
        let h = hex(bytes)
        let u = Array(h.utf8)
        func part(_ r: Range<Int>) -> String { String(decoding: u[r], as: UTF8.self) }
        return part(0..<8) + "-" + part(8..<12) + "-" + part(12..<16) + "-" + part(16..<20) + "-" + part(20..<32)
    }
}

/// Each byte's value as a hex digit, `notHex` for any other byte: a lookup
/// instead of `hexValue`'s branches on the digit's class, which the random
/// digits of a UUID mispredict (most of the parse's time in the `LogUses`
/// profile, BENCHMARKS.md).
private let hexDigitValues: [UInt8] = (0...255).map { hexValue(UInt8($0)) ?? notHex }
private let notHex: UInt8 = 0xFF
