import ConsentOpenSSL
import Foundation
import Testing
@testable import ConsentToken

@Suite("Claims and header encoding")
struct ClaimsEncodingTests {
    static let fixedClaims = ConsentTokenClaims(
        issuer: Fixtures.issuer, issuedAt: Fixtures.now, expiresAt: Fixtures.now + 120,
        tokenID: "fixed-jti", consent: Fixtures.consent)

    static let expectedJSON = #"{"iss":"https://consenthub.example","iat":1736935200,"exp":1736935320,"jti":"fixed-jti","#
        + #""authorization_details":[{"type":"urn:altinn:consent","id":"0b4c2a1e-7d0f-4a55-9f7e-3c1d2b6a9e01","#
        + #""from":"urn:altinn:person:identifier-no:01017012345","#
        + #""to":{"authority":"iso6523-actorid-upis","ID":"0192:910203045"},"#
        + #""consented":"2025-01-15T09:00:00Z","validTo":"2025-04-15T10:00:00Z","#
        + #""consentRights":[{"action":["consent"],"resource":[{"type":"urn:altinn:resource","value":"5252_1"}],"#
        + #""metadata":{"fraOgMed":"01.01.2024","tilOgMed":"31.12.2024"}}]}]}"#

    @Test("claims JSON is exactly the expected bytes")
    func exactClaims() {
        #expect(Self.fixedClaims.json == Self.expectedJSON)
    }

    @Test("one-time consent and an organisation party")
    func oneTimeOrganisation() throws {
        var claims = Self.fixedClaims
        claims.isOneTime = true
        claims.consent.from = .organisation(identifier: "974761076")
        claims.consent.rights.append(ConsentRight(resource: "4629_2"))
        let json = claims.json
        #expect(json.hasSuffix(#"{"type":"urn:altinn:resource","value":"4629_2"}],"metadata":{}}]}],"consent_once":true}"#))
        #expect(json.contains(#""from":"urn:altinn:organization:identifier-no:974761076""#))
        #expect(try ConsentTokenClaims(payload: JSONParser.parse(Array(json.utf8))) == claims)
    }

    @Test("handledBy: the vendor acting for the consumer, after `to`, as Altinn 3's organisation URN")
    func handledBy() throws {
        var claims = Self.fixedClaims
        claims.consent.handledByOrganisationNumber = "913456785"
        let json = claims.json
        #expect(json.contains(#""to":{"authority":"iso6523-actorid-upis","ID":"0192:910203045"},"handledBy":"urn:altinn:organization:identifier-no:913456785","consented":"#))
        #expect(claims.consent.handledBy == "urn:altinn:organization:identifier-no:913456785")
        #expect(try ConsentTokenClaims(payload: JSONParser.parse(Array(json.utf8))) == claims)
        // Without a vendor the member is absent, so tokens from before stay byte for byte the same.
        #expect(!Self.fixedClaims.json.contains("handledBy"))
        // A person, a number or a malformed URN is not a vendor.
        for bad in [#""urn:altinn:person:identifier-no:01017012345""#, "913456785", #""urn:altinn:organization:identifier-no:91345678""#] {
            let text = json.replacingOccurrences(of: #""urn:altinn:organization:identifier-no:913456785""#, with: bad)
            #expect(throws: TokenError.malformed("handledBy is not an organisation URN")) {
                try ConsentTokenClaims(payload: JSONParser.parse(Array(text.utf8)))
            }
        }
    }

    @Test("actions beyond reading follow consent in consentRights.action (issue 12); without them the bytes are as before")
    func actions() throws {
        var claims = Self.fixedClaims
        claims.consent.rights[0].actions = ["submit-application", "sign"]
        let json = claims.json
        #expect(json.contains(#""consentRights":[{"action":["consent","submit-application","sign"],"resource":"#))
        #expect(try ConsentTokenClaims(payload: JSONParser.parse(Array(json.utf8))) == claims)
        #expect(Self.fixedClaims.json == Self.expectedJSON)
        // An action list without consent, or with a non-string, is no consent right.
        for bad in [#""action":["submit-application"]"#, #""action":["consent",7]"#] {
            let text = json.replacingOccurrences(of: #""action":["consent","submit-application","sign"]"#, with: bad)
            #expect(throws: TokenError.self) { try ConsentTokenClaims(payload: JSONParser.parse(Array(text.utf8))) }
        }
    }

    @Test("claims survive parsing, with awkward metadata")
    func parseBack() throws {
        var claims = Self.fixedClaims
        claims.consent.rights[0].metadata["formål"] = "Lån til \"Håkon Trana\" \\ 🙂\n\u{1}"
        let parsed = try ConsentTokenClaims(payload: JSONParser.parse(Array(claims.json.utf8)))
        #expect(parsed == claims)
        // Foundation agrees the payload is valid JSON with the same text.
        let object = try JSONSerialization.jsonObject(with: Data(claims.json.utf8)) as? [String: Any]
        let details = (object?["authorization_details"] as? [[String: Any]])?.first
        let rights = (details?["consentRights"] as? [[String: Any]])?.first
        #expect((rights?["metadata"] as? [String: String])?["formål"] == "Lån til \"Håkon Trana\" \\ 🙂\n\u{1}")
    }

    @Test("header bytes for a fixed kid")
    func header() throws {
        let key = SigningKey(privateKey: try P256.PrivateKey(), keyID: "test-key")
        #expect(String(decoding: key.encodedHeader, as: UTF8.self) == "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InRlc3Qta2V5In0")
    }

    @Test("a signed token's payload is the claims JSON")
    func tokenPayload() throws {
        let token = try Fixtures.signer().sign(Self.fixedClaims)
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        #expect(Base64URL.decode(String(parts[1])) == Array(Self.expectedJSON.utf8))
        #expect(Base64URL.decode(String(parts[2]))?.count == 64)
    }

    @Test("a default kid is the RFC 7638 thumbprint")
    func thumbprintKid() throws {
        let privateKey = try P256.PrivateKey()
        let key = SigningKey(privateKey: privateKey)
        let canonical = #"{"crv":"P-256","kty":"EC","x":""# + Base64URL.encode(privateKey.publicKey.x)
            + #"","y":""# + Base64URL.encode(privateKey.publicKey.y) + #""}"#
        #expect(key.keyID == Base64URL.encode(SHA256.hash(canonical)))
        #expect(key.keyID.utf8.count == 43)
    }

    @Test("the signer refuses claims it must never sign")
    func validation() throws {
        let signer = try Fixtures.signer()
        var bad = Self.fixedClaims
        bad.consent.consumerOrganisationNumber = "91000000"
        #expect(throws: TokenError.self) { try signer.sign(bad) }
        bad = Self.fixedClaims
        bad.consent.from = .person(identifier: "0101701234x")
        #expect(throws: TokenError.self) { try signer.sign(bad) }
        bad = Self.fixedClaims
        bad.consent.rights = []
        #expect(throws: TokenError.self) { try signer.sign(bad) }
    }

    @Test("jti values are 22 characters and unique")
    func tokenIDs() {
        let ids = (0..<1000).map { _ in ConsentTokenClaims.newTokenID() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.utf8.count == 22 && Base64URL.decode($0)?.count == 16 })
    }
}
