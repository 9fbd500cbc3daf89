/// A SHA-256 digest: the hash of an authorization code, or a `UserToken`.
///
/// The server draws each authorization code (256 random bits), sends it in the
/// redirect and gives ConsentCore only its hash, so neither the state nor the
/// event log ever holds a usable code. Thirty-two bytes, kept as four words so
/// that a dictionary keyed by it hashes fast.
public struct SHA256Digest: Hashable, Sendable {
    let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates a digest from exactly 32 bytes, or `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.init(unchecked: bytes[...])
    }

    init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    init(unchecked bytes: ArraySlice<UInt8>) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = bytes.startIndex
        func word() -> UInt64 {
            var v: UInt64 = 0
            for _ in 0..<8 { v = v << 8 | UInt64(bytes[i]); i += 1 }
            return v
        }
        words.0 = word(); words.1 = word(); words.2 = word(); words.3 = word()
        (w0, w1, w2, w3) = words
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }

    /// Lowercase hex.
    public var hexText: String { hex(bytes) }
}

/// The SHA-256 hash of an authorization code.
public typealias CodeHash = SHA256Digest
