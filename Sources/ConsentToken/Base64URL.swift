/// Base64url without padding (RFC 4648 §5, as JWS uses it: RFC 7515 §2).
public enum Base64URL {
    /// A `StaticString` rather than an array: a pointer into the binary, with
    /// no lazy-initialisation check or bounds check on the hot path.
    private static let alphabetText: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// Alphabet value of each byte, 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for index in 0..<64 { table[Int(alphabetText.utf8Start[index])] = UInt8(index) }
        return table
    }()

    /// The number of characters that encode `count` bytes.
    public static func encodedCount(_ count: Int) -> Int {
        count / 3 * 4 + [0, 2, 3][count % 3]
    }

    /// Encodes `bytes`.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        let count = encodedCount(bytes.count)
        return bytes.withUnsafeBytes { input in
            String(unsafeUninitializedCapacity: count) { output in
                encode(input, into: output.baseAddress!)
            }
        }
    }

    /// Every 12-bit value's two output characters (first in the low byte), so
    /// the encoder does two lookups and two 16-bit stores per 3 input bytes
    /// instead of four of each (8 KiB: stays in the L1 cache while in use).
    private static let pairs: [UInt16] = (0..<4096).map { value in
        UInt16(alphabetText.utf8Start[value >> 6]) | UInt16(alphabetText.utf8Start[value & 0x3F]) << 8
    }

    /// Encodes `input` into `output`, which must hold `encodedCount(input.count)` bytes.
    /// - Returns: the number of bytes written.
    @discardableResult
    static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) -> Int {
        let alphabet = alphabetText.utf8Start
        let count = input.count
        guard count > 0 else { return 0 }
        let source = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let destination = UnsafeMutableRawPointer(output)
        var written = 0
        var index = 0
        pairs.withUnsafeBufferPointer { pairs in
            // 6 bytes per step: one unaligned 8-byte load (the 2 extra bytes
            // are ignored), four 12-bit lookups, one 8-byte store.
            while index + 8 <= count {
                let word = UInt64(bigEndian: UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self))
                let packed = UInt64(pairs[Int(truncatingIfNeeded: word >> 52)])
                    | UInt64(pairs[Int(truncatingIfNeeded: word >> 40) & 0xFFF]) << 16
                    | UInt64(pairs[Int(truncatingIfNeeded: word >> 28) & 0xFFF]) << 32
                    | UInt64(pairs[Int(truncatingIfNeeded: word >> 16) & 0xFFF]) << 48
                destination.storeBytes(of: packed.littleEndian, toByteOffset: written, as: UInt64.self)
                written += 8
                index += 6
            }
            while index + 3 <= count {
                let group = Int(source[index]) << 16 | Int(source[index + 1]) << 8 | Int(source[index + 2])
                destination.storeBytes(of: pairs[group >> 12].littleEndian, toByteOffset: written, as: UInt16.self)
                destination.storeBytes(of: pairs[group & 0xFFF].littleEndian, toByteOffset: written + 2, as: UInt16.self)
                written += 4
                index += 3
            }
        }
        switch count - index {
        case 1:
            let group = Int(source[index]) << 16
            output[written] = alphabet[group >> 18]
            output[written + 1] = alphabet[group >> 12 & 0x3F]
            written += 2
        case 2:
            let group = Int(source[index]) << 16 | Int(source[index + 1]) << 8
            output[written] = alphabet[group >> 18]
            output[written + 1] = alphabet[group >> 12 & 0x3F]
            output[written + 2] = alphabet[group >> 6 & 0x3F]
            written += 3
        default:
            break
        }
        return written
    }

    /// Decodes unpadded base64url text strictly.
    ///
    /// Strict means canonical: padding, whitespace, characters of standard
    /// base64 (`+`, `/`), an impossible length and non-zero unused bits in the
    /// last character are all refused. Without the last rule two different
    /// token strings could carry the same signature bytes, and "one changed
    /// character" would not always mean "a different token".
    /// - Returns: the bytes, or `nil` if the text is not canonical base64url.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    /// Decodes the base64url characters in `input`; see `decode(_:)`.
    static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        let count = input.count
        if count % 4 == 1 { return nil }
        var failed = false
        let result = [UInt8](unsafeUninitializedCapacity: decodedCount(count)) { output, initialised in
            let written = decode(input, into: UnsafeMutableRawBufferPointer(output))
            failed = written == nil
            initialised = written ?? 0
        }
        return failed ? nil : result
    }

    /// The bytes `count` characters decode to (for a valid length).
    static func decodedCount(_ count: Int) -> Int {
        count / 4 * 3 + [0, 0, 1, 2][count % 4]
    }

    /// Decodes `input` strictly (see `decode(_:)`) into `output`, which must
    /// hold `decodedCount(input.count)` bytes; nothing is allocated.
    /// - Returns: the bytes written, or nil if the text is not canonical base64url.
    static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        let count = input.count
        if count % 4 == 1 { return nil }
        precondition(output.count >= decodedCount(count), "base64url output buffer too small")
        return values.withUnsafeBufferPointer { values -> Int? in
            var written = 0
            var index = 0
            // Whole groups of 4 characters: 3 bytes each, validity checked
            // once at the end (an invalid character's 0xFF sets the high bit;
            // valid values are below 64), half the instructions of one
            // character at a time.
            var invalid: UInt8 = 0
            while index + 4 <= count {
                let a = values[Int(input[index])], b = values[Int(input[index + 1])]
                let c = values[Int(input[index + 2])], d = values[Int(input[index + 3])]
                invalid |= a | b | c | d
                let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                output[written] = UInt8(truncatingIfNeeded: group >> 16)
                output[written + 1] = UInt8(truncatingIfNeeded: group >> 8)
                output[written + 2] = UInt8(truncatingIfNeeded: group)
                written += 3
                index += 4
            }
            if invalid & 0x80 != 0 { return nil }
            var accumulator: UInt32 = 0
            var pending = 0
            while index < count {
                let value = values[Int(input[index])]
                if value == 0xFF { return nil }
                accumulator = accumulator << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> 16)
                    output[written + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                    output[written + 2] = UInt8(truncatingIfNeeded: accumulator)
                    written += 3
                    pending = 0
                    accumulator = 0
                }
                index += 1
            }
            switch pending {
            case 2:
                // 12 bits: one byte and 4 unused bits that must be zero.
                if accumulator & 0xF != 0 { return nil }
                output[written] = UInt8(truncatingIfNeeded: accumulator >> 4)
                written += 1
            case 3:
                // 18 bits: two bytes and 2 unused bits that must be zero.
                if accumulator & 0x3 != 0 { return nil }
                output[written] = UInt8(truncatingIfNeeded: accumulator >> 10)
                output[written + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
                written += 2
            default:
                break
            }
            return written
        }
    }
}
