/// Percent-encoding of URL query components (RFC 3986), as Altinn 2's query
/// string and redirect parameters use it.
enum PercentEncoding {
    /// Why a component could not be decoded.
    enum Failure: Error {
        /// A `%` not followed by two hex digits.
        case badEscape
        /// The decoded bytes are not UTF-8.
        case notUTF8
    }

    /// Encodes everything but the unreserved characters `A–Z a–z 0–9 - . _ ~`.
    static func encode(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes, and `+` as a space (form encoding, as browsers send queries).
    static func decode(_ text: Substring) throws(Failure) -> String {
        var out = [UInt8]()
        let bytes = Array(text.utf8)
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2])
                else { throw .badEscape }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b == UInt8(ascii: "+") ? 0x20 : b)
                i += 1
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else { throw .notUTF8 }
        return string
    }
}
