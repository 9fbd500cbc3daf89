import ConsentOpenSSL
import Foundation
import Testing
@testable import ConsentToken

@Suite("Key sets, JWKS and rotation")
struct KeyRotationTests {
    @Test("a token from an old, still published key verifies; from an unpublished key it does not")
    func rotation() throws {
        let old = SigningKey(privateKey: try P256.PrivateKey())
        let new = SigningKey(privateKey: try P256.PrivateKey())
        let stranger = SigningKey(privateKey: try P256.PrivateKey())
        let oldSigner = TokenSigner(keySet: try TokenKeySet(active: old), issuer: Fixtures.issuer)
        let oldToken = try oldSigner.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)

        // After rotation the new key signs; the old one stays published.
        let rotated = try TokenKeySet(active: new, alsoPublished: [old.verificationKey])
        #expect(rotated.published.map(\.keyID) == [new.keyID, old.keyID])
        let verifier = rotated.verifier()
        #expect(try verifier.verify(oldToken, now: Fixtures.now, expectedIssuer: Fixtures.issuer).consent == Fixtures.consent)
        let newToken = try TokenSigner(keySet: rotated, issuer: Fixtures.issuer).issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        #expect(try verifier.verify(newToken, now: Fixtures.now, expectedIssuer: Fixtures.issuer).issuer == Fixtures.issuer)

        // Once the old key is dropped its tokens fail.
        let later = try TokenKeySet(active: new).verifier()
        #expect(tokenError { () throws(TokenError) in try later.verify(oldToken, now: Fixtures.now, expectedIssuer: Fixtures.issuer) } == .unknownKeyID(old.keyID))

        // A key never published fails.
        let strangerToken = try TokenSigner(keySet: try TokenKeySet(active: stranger), issuer: Fixtures.issuer)
            .issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        #expect(tokenError { () throws(TokenError) in try verifier.verify(strangerToken, now: Fixtures.now, expectedIssuer: Fixtures.issuer) } == .unknownKeyID(stranger.keyID))
    }

    @Test("a different key under a published kid is a bad signature")
    func kidCollision() throws {
        let published = SigningKey(privateKey: try P256.PrivateKey(), keyID: "2025-01")
        let impostor = SigningKey(privateKey: try P256.PrivateKey(), keyID: "2025-01")
        let token = try TokenSigner(keySet: try TokenKeySet(active: impostor), issuer: Fixtures.issuer)
            .issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        let verifier = try TokenKeySet(active: published).verifier()
        #expect(tokenError { () throws(TokenError) in try verifier.verify(token, now: Fixtures.now, expectedIssuer: Fixtures.issuer) } == .badSignature)
        #expect(throws: TokenKeyError.self) { try TokenKeySet(active: published, alsoPublished: [impostor.verificationKey]) }
        #expect(try TokenKeySet(active: published, alsoPublished: [published.verificationKey]).published.count == 1)
    }

    @Test("RotatingTokenSigner swaps the signer for later calls")
    func rotatingSigner() throws {
        let first = try Fixtures.signer()
        let second = try Fixtures.signer()
        let rotating = RotatingTokenSigner(first)
        let claims = first.claims(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        let before = try rotating.sign(claims)
        rotating.rotate(to: second)
        let after = try rotating.sign(claims)
        #expect(try TokenDecoder.decode(before).keyID == first.keySet.active.keyID)
        #expect(try TokenDecoder.decode(after).keyID == second.keySet.active.keyID)
        #expect(rotating.current.keySet.active.keyID == second.keySet.active.keyID)
    }

    @Test("JWKS: exact member layout, round trip, verifier from JSON")
    func jwks() throws {
        let key = SigningKey(privateKey: try P256.PrivateKey(), keyID: "k1")
        let json = JWKS.encode([key.verificationKey])
        let x = Base64URL.encode(key.privateKey.publicKey.x)
        let y = Base64URL.encode(key.privateKey.publicKey.y)
        #expect(json == #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"k1","use":"sig","alg":"ES256"}]}"#)
        #expect(try JWKS.decode(json) == [key.verificationKey])
        let token = try TokenSigner(keySet: try TokenKeySet(active: key), issuer: Fixtures.issuer)
            .issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        let verifier = try TokenVerifier(jwks: json)
        #expect(try verifier.verify(token, now: Fixtures.now, expectedIssuer: Fixtures.issuer).consent == Fixtures.consent)
    }

    @Test("JWKS decoding skips foreign keys, defaults kid, refuses bad ones")
    func jwksDecoding() throws {
        let key = try P256.PrivateKey().publicKey
        let x = Base64URL.encode(key.x)
        let y = Base64URL.encode(key.y)
        let mixed = #"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"rsa"},"#
            + #"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"},"#
            + #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","use":"enc"},"#
            + #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)"}]}"#
        let keys = try JWKS.decode(mixed)
        #expect(keys.count == 1)
        #expect(keys[0].keyID == JWK.thumbprint(of: key))
        var badY = key.y
        badY[31] ^= 1
        let offCurve = #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(Base64URL.encode(badY))"}]}"#
        #expect(throws: JWKSError.self) { try JWKS.decode(offCurve) }
        #expect(throws: JWKSError.self) { try JWKS.decode(#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#) }
        #expect(throws: JWKSError.self) { try JWKS.decode(#"{"nokeys":[]}"#) }
        let twice = #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"a"},{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"a"}]}"#
        #expect(throws: JWKSError.self) { try JWKS.decode(twice) }
    }

    @Test("key sets load from PEM files: PKCS#8, traditional EC and public keys")
    func loading() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("consenthub-keys-\(UUID().uuidString)").path
        try KeyFile.createDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let active = try P256.PrivateKey()
        let retired = try P256.PrivateKey()
        let upcoming = try P256.PrivateKey()
        try KeyFile.write(try active.pemRepresentation(), to: directory + "/active.pem", mode: 0o600)
        try KeyFile.write(try retired.publicKey.pemRepresentation(), to: directory + "/retired.pub.pem", mode: 0o644)
        try KeyFile.write(try upcoming.pemRepresentation(), to: directory + "/upcoming.pem", mode: 0o600)

        let set = try TokenKeySet.load(
            active: TokenKeyFile(path: directory + "/active.pem"),
            alsoPublished: [TokenKeyFile(path: directory + "/retired.pub.pem", keyID: "retired-2024"),
                            TokenKeyFile(path: directory + "/upcoming.pem")])
        #expect(set.active.keyID == JWK.thumbprint(of: active.publicKey))
        #expect(set.published.map(\.keyID) == [set.active.keyID, "retired-2024", JWK.thumbprint(of: upcoming.publicKey)])
        #expect(set.published[1].publicKey == retired.publicKey)
        #expect(try JWKS.decode(set.jwks).count == 3)
        #expect(throws: KeyFileError.self) { try TokenKeySet.load(active: TokenKeyFile(path: directory + "/missing.pem")) }
    }
}
