import Testing
@testable import ConsentOpenSSL

@Suite("SHA-256")
struct SHA256Tests {
    // FIPS 180-2 appendix B vectors.
    @Test("known vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(input)) == digest)
        #expect(Hex.encode(SHA256.hash(Array(input.utf8))) == digest)
    }

    @Test("one million 'a' incrementally equals one shot")
    func millionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let hasher = SHA256.Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Hex.encode(hasher.finalize()) == expected)
        #expect(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)
    }

    @Test("a hasher starts over after finalize")
    func hasherResets() {
        let hasher = SHA256.Hasher()
        hasher.update(Array("abc".utf8))
        _ = hasher.finalize()
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == SHA256.hash("abc"))
    }
}

@Suite("Hex")
struct HexTests {
    @Test func roundTrip() {
        let bytes: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]
        #expect(Hex.encode(bytes) == "00017f80abff")
        #expect(Hex.decode("00017F80ABff") == bytes)
    }

    @Test("odd length and non-digits are refused", arguments: ["0", "0g", "zz", "0 1"])
    func refusesMalformed(text: String) {
        #expect(Hex.decode(text) == nil)
    }
}
