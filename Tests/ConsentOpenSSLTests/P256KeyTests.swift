import Testing
@testable import ConsentOpenSSL

@Suite("P-256 keys and signatures")
struct P256KeyTests {
    /// A key as `openssl ecparam -name prime256v1 -genkey` writes it: the
    /// traditional SEC 1 form after an EC PARAMETERS block.
    static let traditionalPEM = """
        -----BEGIN EC PARAMETERS-----
        BggqhkjOPQMBBw==
        -----END EC PARAMETERS-----
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIHPdAqvPxSYX6ABdR/2N0IQJdol3JEoMXr6eFMLtgZBBoAoGCCqGSM49
        AwEHoUQDQgAEA8Y22lMnRoMNORv0TnuQUyM+tiBIqMw2vmttH9GHEv6PfmcXnAoj
        VNuaox3bNUllnCY9jFnNOYQ0+hSaXeg/rw==
        -----END EC PRIVATE KEY-----
        """
    /// Its public key, from `openssl ec -pubout`.
    static let traditionalPublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEA8Y22lMnRoMNORv0TnuQUyM+tiBI
        qMw2vmttH9GHEv6PfmcXnAojVNuaox3bNUllnCY9jFnNOYQ0+hSaXeg/rw==
        -----END PUBLIC KEY-----
        """
    /// A P-384 key: valid EC, wrong curve for ES256.
    static let p384PEM = """
        -----BEGIN EC PRIVATE KEY-----
        MIGkAgEBBDBS+HkU3Ui4KmATOjltEAQFcXesFHMo+IaRckfmjAv98Agh1hlRDZ/1
        tEQptC45hH6gBwYFK4EEACKhZANiAARtxOrw/j2hkMjeZnUOlbMBcjFeOOn7cVse
        lgy7G3D8RVgxfoamjMJ+T4Mdy8vj07/Zn1ed+PuifB8nM/A/1pA6zaBhD+L7U70i
        hx+5M4wd7GxYS2SH6Cl13HM8eD+uq8I=
        -----END EC PRIVATE KEY-----
        """

    @Test("sign then verify; another message or key fails")
    func roundTrip() throws {
        let key = try P256.PrivateKey()
        let message = Array("the consent of Håkon Trana".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(signature, for: message + [0]))
        #expect(!(try P256.PrivateKey()).publicKey.isValidSignature(signature, for: message))
        // ECDSA draws a fresh nonce: two signatures differ, both verify.
        let again = try key.sign(message)
        #expect(again != signature)
        #expect(key.publicKey.isValidSignature(again, for: message))
    }

    @Test("signing and verifying a digest taken beforehand agree with the message forms")
    func digestForms() throws {
        let key = try P256.PrivateKey()
        let message = Array("header.payload of a consent token".utf8)
        let digest = SHA256.hash(message)
        let signature = try digest.withUnsafeBytes { try key.sign(digest: $0) }
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        let fromMessage = try key.sign(message)
        #expect(signature.withUnsafeBytes { s in digest.withUnsafeBytes { key.publicKey.isValidSignature(s, digest: $0) } })
        #expect(fromMessage.withUnsafeBytes { s in digest.withUnsafeBytes { key.publicKey.isValidSignature(s, digest: $0) } })
        // Another digest, a short digest, another key: refused.
        let other = SHA256.hash(message + [0])
        #expect(!signature.withUnsafeBytes { s in other.withUnsafeBytes { key.publicKey.isValidSignature(s, digest: $0) } })
        #expect(!signature.withUnsafeBytes { s in digest.dropLast().withUnsafeBytes { key.publicKey.isValidSignature(s, digest: $0) } })
        let stranger = try P256.PrivateKey().publicKey
        #expect(!signature.withUnsafeBytes { s in digest.withUnsafeBytes { stranger.isValidSignature(s, digest: $0) } })
    }

    @Test("every single-bit change of a signature is rejected")
    func bitFlips() throws {
        let key = try P256.PrivateKey()
        let message = Array("message".utf8)
        let signature = try key.sign(message)
        for bit in 0..<(64 * 8) {
            var changed = signature
            changed[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!key.publicKey.isValidSignature(changed, for: message), "bit \(bit)")
        }
    }

    @Test("signatures of the wrong length are rejected", arguments: [0, 1, 63, 65, 70, 72, 128])
    func wrongLength(count: Int) throws {
        let key = try P256.PrivateKey()
        let message = Array("message".utf8)
        var signature = try key.sign(message)
        if count < 64 { signature = Array(signature.prefix(count)) } else { signature += [UInt8](repeating: 0, count: count - 64) }
        #expect(!key.publicKey.isValidSignature(signature, for: message))
    }

    @Test("PKCS#8 PEM round trip")
    func pkcs8RoundTrip() throws {
        let key = try P256.PrivateKey()
        let pem = try key.pemRepresentation()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let loaded = try P256.PrivateKey(pemRepresentation: pem)
        #expect(loaded.publicKey == key.publicKey)
        let message = Array("m".utf8)
        #expect(key.publicKey.isValidSignature(try loaded.sign(message), for: message))
    }

    @Test("traditional EC PEM with a parameters block loads")
    func traditionalPEM() throws {
        let key = try P256.PrivateKey(pemRepresentation: Self.traditionalPEM)
        let expected = try P256.PublicKey(pemRepresentation: Self.traditionalPublicPEM)
        #expect(key.publicKey == expected)
        #expect(try key.publicKey.pemRepresentation().trimmingNewlines == Self.traditionalPublicPEM)
    }

    @Test("a P-384 key is refused")
    func wrongCurve() {
        #expect(throws: OpenSSLError.self) { try P256.PrivateKey(pemRepresentation: Self.p384PEM) }
    }

    @Test("garbage and public-key PEM are not private keys")
    func notPrivateKeys() {
        #expect(throws: OpenSSLError.self) { try P256.PrivateKey(pemRepresentation: "hello") }
        #expect(throws: OpenSSLError.self) { try P256.PrivateKey(pemRepresentation: Self.traditionalPublicPEM) }
    }

    @Test("public key from x and y equals the original; DER round trip")
    func publicKeyCoordinates() throws {
        let key = try P256.PrivateKey().publicKey
        #expect(key.x.count == 32 && key.y.count == 32)
        #expect(try P256.PublicKey(x: key.x, y: key.y) == key)
        #expect(try P256.PublicKey(derRepresentation: key.derRepresentation) == key)
        #expect(key.uncompressedRepresentation.count == 65)
    }

    @Test("a point off the curve or of the wrong size is refused")
    func badPoints() throws {
        let key = try P256.PrivateKey().publicKey
        var y = key.y
        y[31] ^= 1
        #expect(throws: OpenSSLError.self) { try P256.PublicKey(x: key.x, y: y) }
        #expect(throws: OpenSSLError.self) { try P256.PublicKey(x: Array(key.x.dropFirst()), y: key.y) }
        #expect(throws: OpenSSLError.self) {
            try P256.PublicKey(x: [UInt8](repeating: 0, count: 32), y: [UInt8](repeating: 0, count: 32))
        }
    }

    @Test("many tasks sign with one key at once")
    func concurrentSigning() async throws {
        let key = try P256.PrivateKey()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<50 {
                        let message = Array("task \(task) message \(index)".utf8)
                        guard key.publicKey.isValidSignature(try key.sign(message), for: message) else { return false }
                    }
                    return true
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 8 && results.allSatisfy { $0 })
    }
}

extension String {
    var trimmingNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
