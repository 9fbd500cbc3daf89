import Testing
@testable import ConsentOpenSSL

/// The raw r‖s ECDSA path (ECDSA_do_sign/do_verify on the key's EC_KEY):
/// out-of-range scalars, wrong lengths and altered inputs are refused, and
/// its signatures are the ones OpenSSL's DER path (EVP) accepts.
@Suite("ES256 raw ECDSA path")
struct P256RawECDSATests {
    @Test("r or s of 0, n or all ones, a wrong length, a wrong digest, another key: each refused")
    func refusals() throws {
        let key = try P256.PrivateKey()
        let other = try P256.PrivateKey()
        let message = Array("header.payload".utf8)
        let good = try key.sign(message)
        #expect(key.publicKey.isValidSignature(good, for: message))
        let zero = [UInt8](repeating: 0, count: 32)
        let ones = [UInt8](repeating: 0xFF, count: 32)
        let r = Array(good[0..<32]), s = Array(good[32..<64])
        for (name, signature) in [
            ("r = 0", zero + s), ("s = 0", r + zero), ("both 0", zero + zero),
            ("r = n", P256.order + s), ("s = n", r + P256.order), ("s = 2^256-1", r + ones),
            ("65 bytes", r + s + [0]), ("63 bytes", Array(good.dropLast())), ("empty", []),
            ("r and s swapped", s + r),
        ] {
            #expect(!key.publicKey.isValidSignature(signature, for: message), "\(name)")
        }
        #expect(!key.publicKey.isValidSignature(good, for: message + [0]))
        #expect(!other.publicKey.isValidSignature(good, for: message))
        // A public key loaded from x and y (as a JWKS gives it) verifies what the private key signed.
        let loaded = try P256.PublicKey(x: key.publicKey.x, y: key.publicKey.y)
        #expect(loaded.isValidSignature(good, for: message))
    }

    @Test("the raw path's signatures are valid DER ECDSA signatures, and both halves are in range")
    func interoperatesWithDER() throws {
        let key = try P256.PrivateKey()
        for index in 0..<32 {
            let message = Array("message \(index)".utf8)
            let signature = try key.sign(message)
            #expect(signature.count == 64)
            #expect(signature.withUnsafeBytes { P256.isInSignatureRange(UnsafeRawBufferPointer(rebasing: $0[0..<32])) })
            #expect(signature.withUnsafeBytes { P256.isInSignatureRange(UnsafeRawBufferPointer(rebasing: $0[32..<64])) })
            let der = signature.withUnsafeBytes { P256.derSignature(fromRaw: $0) }
            #expect(der != nil)
            let back = try der!.withUnsafeBytes { try P256.rawSignature(fromDER: $0) }
            #expect(back == signature)
        }
    }
}
