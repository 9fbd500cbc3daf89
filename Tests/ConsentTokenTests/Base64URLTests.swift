import Testing
@testable import ConsentToken

@Suite("base64url")
struct Base64URLTests {
    // RFC 4648 §10 vectors, unpadded.
    @Test("RFC 4648 vectors", arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func vectors(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test("the URL alphabet: - and _ instead of + and /")
    func urlAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
        #expect(Base64URL.decode("+/+/") == nil)
    }

    @Test("round trip of every length up to 100")
    func roundTrip() {
        for count in 0...100 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ count) }
            let text = Base64URL.encode(bytes)
            #expect(text.utf8.count == Base64URL.encodedCount(count))
            #expect(Base64URL.decode(text) == bytes)
        }
    }

    @Test("a character outside the alphabet is refused at every position (groups of 4 are checked together)")
    func invalidAtEveryPosition() {
        let text = Array(Base64URL.encode((0..<60).map { UInt8($0) }).utf8)
        for position in text.indices {
            for bad in ["+", "/", "=", ".", " ", "\u{0}", "\u{FF}"] as [Character] {
                var changed = text
                changed[position] = bad.asciiValue ?? 0xFF
                #expect(changed.withUnsafeBytes { Base64URL.decode($0) } == nil, "\(bad) at \(position)")
            }
        }
    }

    @Test("padding, whitespace, bad length and non-canonical endings are refused", arguments: [
        "Zg==", "Zm8=", "Zm 9v", "Zm9v\n", "Z", "Zm9vY", "Zh", "Zm9", "Zm-", "é", "Zm9v.",
    ])
    func refused(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
