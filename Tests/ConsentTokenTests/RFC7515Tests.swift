import ConsentOpenSSL
import Testing
@testable import ConsentToken

/// RFC 7515 appendix A.3: the ES256 example JWS and its key.
@Suite("RFC 7515 A.3")
struct RFC7515Tests {
    static let x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
    static let y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
    static let token = "eyJhbGciOiJFUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"

    @Test("the example signature verifies with the example JWK")
    func verifies() throws {
        let key = try P256.PublicKey(x: try #require(Base64URL.decode(Self.x)), y: try #require(Base64URL.decode(Self.y)))
        let parts = Self.token.split(separator: ".")
        let input = Array(Self.token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let signature = try #require(Base64URL.decode(String(parts[2])))
        #expect(key.isValidSignature(signature, for: input))
        var changed = input
        changed[changed.count - 1] ^= 1
        #expect(!key.isValidSignature(signature, for: changed))
    }

    @Test("the verifier gets past the signature, then refuses the non-consent claims")
    func verifierPath() throws {
        let key = try P256.PublicKey(x: try #require(Base64URL.decode(Self.x)), y: try #require(Base64URL.decode(Self.y)))
        // The example header has no kid; give it none and the verifier says so.
        let verifier = TokenVerifier(keys: [VerificationKey(publicKey: key)])
        let error = tokenError { () throws(TokenError) in try verifier.verify(Self.token, now: 1_300_819_000, expectedIssuer: "joe") }
        #expect(error == .unknownKeyID(nil))
        let decoded = try TokenDecoder.decode(Self.token)
        #expect(decoded.algorithm == "ES256")
        #expect(decoded.claims.contains("\"iss\": \"joe\""))
        #expect(decoded.claims.contains("\"http://example.com/is_root\": true"))
    }
}
