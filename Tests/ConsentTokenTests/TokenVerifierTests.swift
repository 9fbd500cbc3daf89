@testable import ConsentOpenSSL
import Testing
@testable import ConsentToken

@Suite("Signing and verifying tokens")
struct TokenVerifierTests {
    let signer: TokenSigner
    let verifier: TokenVerifier
    let token: String

    init() throws {
        signer = try Fixtures.signer()
        verifier = signer.keySet.verifier()
        token = try signer.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
    }

    func verify(_ token: String, now: Int64 = Fixtures.now, issuer: String = Fixtures.issuer) -> TokenError? {
        tokenError { () throws(TokenError) in try verifier.verify(token, now: now, expectedIssuer: issuer) }
    }

    /// A token with the given header and payload JSON and a real signature.
    func forge(header: String, payload: String, key: P256.PrivateKey? = nil) throws -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let signature = try (key ?? signer.keySet.active.privateKey).sign(Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    @Test("a fresh token verifies and returns its claims")
    func accepts() throws {
        let claims = try verifier.verify(token, now: Fixtures.now, expectedIssuer: Fixtures.issuer)
        #expect(claims.consent == Fixtures.consent)
        #expect(claims.issuedAt == Fixtures.now)
        #expect(claims.expiresAt == Fixtures.now + 120)
        #expect(claims.issuer == Fixtures.issuer)
        #expect(!claims.isOneTime)
    }

    @Test("one-time tokens carry consent_once")
    func oneTime() throws {
        let token = try signer.issue(for: Fixtures.consent, isOneTime: true, now: Fixtures.now)
        #expect(try verifier.verify(token, now: Fixtures.now, expectedIssuer: Fixtures.issuer).isOneTime)
    }

    @Test("claims larger than the signer's stack buffer still sign and verify")
    func largeClaims() throws {
        var consent = Fixtures.consent
        for index in 0..<40 {
            consent.rights.append(ConsentRight(resource: "resource_\(index)", metadata: ["key\(index)": String(repeating: "x", count: 60)]))
        }
        let token = try signer.issue(for: consent, isOneTime: false, now: Fixtures.now)
        #expect(token.utf8.count > 4096)
        #expect(try verifier.verify(token, now: Fixtures.now, expectedIssuer: Fixtures.issuer).consent == consent)
    }

    @Test("the benchmark runs and reports sane figures")
    func benchmarkSmoke() throws {
        let result = try TokenBenchmark.run(seconds: 0.6)
        #expect(result.tokensPerSecond > 0 && result.rawSignsPerSecond > 0)
        #expect(result.tokenLength > 800)
    }

    @Test("exp never passes the consent's validTo")
    func lifetimeCapped() throws {
        var consent = Fixtures.consent
        consent.validTo = Fixtures.now + 30
        let claims = signer.claims(for: consent, isOneTime: false, now: Fixtures.now)
        #expect(claims.expiresAt == Fixtures.now + 30)
        let longer = try Fixtures.signer(lifetime: 600).claims(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        #expect(longer.expiresAt == Fixtures.now + 600)
    }

    @Test("changing any one character anywhere is refused")
    func everyCharacterMatters() {
        let bytes = Array(token.utf8)
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        #expect(dots.count == 2)
        var refused = 0
        for index in bytes.indices where !dots.contains(index) {
            var changed = bytes
            // Swap to another base64url character.
            changed[index] = bytes[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let error = verify(String(decoding: changed, as: UTF8.self))
            #expect(error != nil, "position \(index)")
            if error != nil { refused += 1 }
        }
        #expect(refused == bytes.count - 2)
    }

    @Test("a changed payload byte with a recomputed encoding is a bad signature")
    func payloadTampering() throws {
        let parts = token.split(separator: ".").map(String.init)
        var payload = try #require(Base64URL.decode(parts[1]))
        let position = try #require(payload.firstIndex(of: UInt8(ascii: "9"))) // inside "910203045"
        payload[position] = UInt8(ascii: "8")
        let tampered = parts[0] + "." + Base64URL.encode(payload) + "." + parts[2]
        #expect(verify(tampered) == .badSignature)
    }

    @Test("alg none and HS256 are refused", arguments: ["none", "HS256", "ES384", "RS256", "es256"])
    func algorithms(algorithm: String) throws {
        let kid = signer.keySet.active.keyID
        let header = #"{"alg":"\#(algorithm)","typ":"JWT","kid":"\#(kid)"}"#
        let payload = String(decoding: try #require(Base64URL.decode(String(token.split(separator: ".")[1]))), as: UTF8.self)
        let forged = try forge(header: header, payload: payload)
        #expect(verify(forged) == .unsupportedAlgorithm(algorithm))
        // The unsigned "none" form (empty signature part) is refused too.
        let unsigned = Base64URL.encode(Array(header.utf8)) + "." + String(token.split(separator: ".")[1]) + "."
        #expect(verify(unsigned) != nil)
    }

    @Test("a missing alg, a crit header or a non-object header is malformed")
    func headerShape() throws {
        let payload = String(decoding: try #require(Base64URL.decode(String(token.split(separator: ".")[1]))), as: UTF8.self)
        let kid = signer.keySet.active.keyID
        #expect(verify(try forge(header: #"{"kid":"\#(kid)"}"#, payload: payload))?.kind == "malformed")
        #expect(verify(try forge(header: #"{"alg":"ES256","kid":"\#(kid)","crit":["exp"]}"#, payload: payload))?.kind == "malformed")
        #expect(verify(try forge(header: #"["ES256"]"#, payload: payload))?.kind == "malformed")
        // The same header with whitespace is still fine: JSON, not bytes, is checked.
        let spaced = try forge(header: #"{ "alg" : "ES256", "kid" : "\#(kid)" }"#, payload: payload)
        #expect(verify(spaced) == nil)
    }

    @Test("unknown and missing key ids")
    func keyIDs() throws {
        let payload = String(decoding: try #require(Base64URL.decode(String(token.split(separator: ".")[1]))), as: UTF8.self)
        #expect(verify(try forge(header: #"{"alg":"ES256","kid":"nobody"}"#, payload: payload)) == .unknownKeyID("nobody"))
        #expect(verify(try forge(header: #"{"alg":"ES256"}"#, payload: payload)) == .unknownKeyID(nil))
    }

    @Test("expiry and leeway")
    func expiry() {
        let exp = Fixtures.now + 120
        #expect(verify(token, now: exp - 1) == nil)
        #expect(verify(token, now: exp + 29) == nil) // within the 30 s leeway
        #expect(verify(token, now: exp + 30) == .expired(expiresAt: exp, now: exp + 30))
        let strict = TokenVerifier(keys: signer.keySet.published, leeway: 0)
        #expect(tokenError { () throws(TokenError) in try strict.verify(token, now: exp, expectedIssuer: Fixtures.issuer) }?.kind == "expired")
    }

    @Test("a token issued in the future is not yet valid")
    func notYetValid() throws {
        #expect(verify(token, now: Fixtures.now - 30) == nil)
        #expect(verify(token, now: Fixtures.now - 31) == .notYetValid(validFrom: Fixtures.now, now: Fixtures.now - 31))
        let payload = #"{"iss":"\#(Fixtures.issuer)","iat":\#(Fixtures.now),"exp":\#(Fixtures.now + 120),"nbf":\#(Fixtures.now + 60),"jti":"x","#
            + String(Fixtures.consentJSONTail)
        let forged = try forge(header: #"{"alg":"ES256","kid":"\#(signer.keySet.active.keyID)"}"#, payload: payload)
        #expect(verify(forged, now: Fixtures.now) == .notYetValid(validFrom: Fixtures.now + 60, now: Fixtures.now))
        #expect(verify(forged, now: Fixtures.now + 60) == nil)
    }

    @Test("wrong issuer")
    func wrongIssuer() {
        #expect(verify(token, issuer: "https://evil.example") == .wrongIssuer(found: Fixtures.issuer, expected: "https://evil.example"))
    }

    @Test("garbage and the wrong number of parts are malformed", arguments: [
        "", "garbage", "a.b", "a.b.c.d", "..", "a..c", "eyJhbGciOiJFUzI1NiJ9.e30", "!!!.###.$$$", "eyJ9.eyJ9.AAAA",
    ])
    func garbage(text: String) {
        #expect(verify(text)?.kind == "malformed")
    }

    @Test("two and four parts built from a real token are malformed")
    func partCounts() {
        let parts = token.split(separator: ".").map(String.init)
        #expect(verify(parts[0] + "." + parts[1])?.kind == "malformed")
        #expect(verify(token + "." + parts[2])?.kind == "malformed")
    }

    @Test("signatures of the wrong length are bad signatures")
    func signatureLength() {
        let parts = token.split(separator: ".").map(String.init)
        let signature = Base64URL.decode(parts[2])!
        #expect(verify(parts[0] + "." + parts[1] + "." + Base64URL.encode(signature.dropLast())) == .badSignature)
        #expect(verify(parts[0] + "." + parts[1] + "." + Base64URL.encode(signature + [0])) == .badSignature)
    }

    @Test("the high-S twin of a valid signature is refused: one token has one string")
    func highS() throws {
        let parts = token.split(separator: ".").map(String.init)
        let low = Base64URL.decode(parts[2])!
        #expect(P256.isLowS(low))
        let signature = P256.twin(low)
        let input = Array((parts[0] + "." + parts[1]).utf8)
        #expect(signer.keySet.active.privateKey.publicKey.isValidSignature(signature, for: input), "a valid ECDSA signature")
        #expect(verify(parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)) == .badSignature)
    }

    @Test("a signed token with claims of the wrong shape is malformed")
    func claimShapes() throws {
        let kid = signer.keySet.active.keyID
        let header = #"{"alg":"ES256","kid":"\#(kid)"}"#
        for payload in [
            #"[]"#,
            #"{"iss":"\#(Fixtures.issuer)","iat":"soon","exp":1,"jti":"x","authorization_details":[]}"#,
            #"{"iss":"\#(Fixtures.issuer)","iat":\#(Fixtures.now),"exp":\#(Fixtures.now + 9),"jti":"x","authorization_details":[]}"#,
            #"{"iss":"\#(Fixtures.issuer)","iat":\#(Fixtures.now),"exp":\#(Fixtures.now + 9),"jti":"x"}"#,
        ] {
            #expect(verify(try forge(header: header, payload: payload))?.kind == "malformed", "\(payload)")
        }
    }

    @Test("decode shows header and claims without verifying")
    func decode() throws {
        let decoded = try TokenDecoder.decode(token)
        #expect(decoded.algorithm == "ES256")
        #expect(decoded.keyID == signer.keySet.active.keyID)
        #expect(decoded.signature.count == 64)
        #expect(decoded.header.hasPrefix("{\n  \"alg\": \"ES256\",\n  \"typ\": \"JWT\",\n  \"kid\": "))
        #expect(decoded.claims.contains("\n  \"iss\": \"https://consenthub.example\",\n"))
        #expect(decoded.claims.contains("\"ID\": \"0192:910203045\""))
        #expect(throws: TokenError.self) { try TokenDecoder.decode("not.a.token") }
    }
}

extension Fixtures {
    /// The authorization_details member and closing brace of a payload.
    static let consentJSONTail: Substring = {
        let json = ConsentTokenClaims(issuer: issuer, issuedAt: now, expiresAt: now + 1, tokenID: "x", consent: consent).json
        return json[json.range(of: "\"authorization_details\"")!.lowerBound...]
    }()
}
