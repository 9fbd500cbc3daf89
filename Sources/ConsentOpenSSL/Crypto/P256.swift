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
