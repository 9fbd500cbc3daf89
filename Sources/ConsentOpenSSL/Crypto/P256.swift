/// ECDSA over NIST P-256 with SHA-256 (JOSE `ES256`), through OpenSSL's EVP API.
///
/// Signatures cross this API in the 64-byte IEEE P1363 form `r‖s` (each a
/// 32-byte big-endian number), the form JWS uses; OpenSSL's DER form stays inside.
public enum P256 {
    /// The length of a raw signature `r‖s`.
    public static let rawSignatureCount = 64
    /// The length of one coordinate or scalar.
    public static let coordinateCount = 32

    /// The order n of the P-256 base point, big-endian. Both r and s of a valid
    /// signature lie in [1, n-1].
    static let order: [UInt8] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ]

    /// ⌊n/2⌋, big-endian: a "low-S" signature has s ≤ this.
    static let halfOrder: [UInt8] = [
        0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
    ]

    /// Whether a raw `r‖s` signature has s ≤ n/2. ECDSA signatures are
    /// malleable: (r, n−s) verifies whenever (r, s) does. Signing here always
    /// gives the low form, so a verifier that also wants one canonical string
    /// per signature (a token) can refuse the other.
    public static func isLowS(_ signature: [UInt8]) -> Bool {
        guard signature.count == rawSignatureCount else { return false }
        for index in 0..<coordinateCount {
            let byte = signature[coordinateCount + index]
            if byte < halfOrder[index] { return true }
            if byte > halfOrder[index] { return false }
        }
        return true  // equal to ⌊n/2⌋
    }

    /// Replaces s by n − s when s > n/2 (the raw signature's second half).
    static func normaliseToLowS(_ signature: inout [UInt8]) {
        if !isLowS(signature) { signature = twin(signature) }
    }

    /// (r, n − s): the other signature that verifies wherever this one does.
    static func twin(_ signature: [UInt8]) -> [UInt8] {
        var twin = signature
        var borrow = 0
        for index in stride(from: coordinateCount - 1, through: 0, by: -1) {
            let difference = Int(order[index]) - Int(signature[coordinateCount + index]) - borrow
            twin[coordinateCount + index] = UInt8((difference + 256) & 0xFF)
            borrow = difference < 0 ? 1 : 0
        }
        return twin
    }

    /// Whether the 32 big-endian bytes at `scalar` are in [1, n-1].
    static func isInSignatureRange(_ scalar: UnsafeRawBufferPointer) -> Bool {
        precondition(scalar.count == coordinateCount)
        var isZero = true
        for byte in scalar where byte != 0 {
            isZero = false
            break
        }
        if isZero { return false }
        // Lexicographic comparison of equal-length big-endian numbers.
        for index in 0..<coordinateCount {
            if scalar[index] < order[index] { return true }
            if scalar[index] > order[index] { return false }
        }
        return false // equal to n
    }
}
