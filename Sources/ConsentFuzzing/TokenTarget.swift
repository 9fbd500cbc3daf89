import ConsentOpenSSL
import ConsentToken

extension FuzzTarget {
    /// The token verifier's parsers (ConsentToken): the JWS compact form, the
    /// strict JSON parser, the claims reader, and the JWK Set reader.
    ///
    /// Input: one byte choosing the mode (modulo 4), then its text:
    /// - 0, a token: `TokenDecoder` and `TokenVerifier` must not crash, and
    ///   no input may verify (the fuzzer does not hold the key);
    /// - 1, JSON: what the parser accepts, pretty-printed and parsed again,
    ///   prints the same (nothing is lost or changed on the way);
    /// - 2, a claims payload (JSON): what the reader of the hub's own layout
    ///   reads, the general path reads the same; claims that read, written as
    ///   the signer writes them and read again (both ways), are equal; and
    ///   signed with a key and verified with it, they verify as the same claims;
    /// - 3, a JWK Set: keys that read, published again and read back, are the same keys.
    public static let token = FuzzTarget("FuzzToken") { input throws(FuzzFailure) in
        guard let mode = input.first else { return }
        let bytes = Array(input.dropFirst())
        switch mode % 4 {
        case 0: try TokenChecks.token(String(decoding: bytes, as: UTF8.self))
        case 1: try TokenChecks.json(bytes)
        case 2: try TokenChecks.claims(bytes)
        default: try TokenChecks.jwks(String(decoding: bytes, as: UTF8.self))
        }
    }
}

enum TokenChecks {
    static let issuer = "https://consenthub.example"
    static let signingKey = SigningKey(privateKey: try! P256.PrivateKey(), keyID: "fuzz-key")
    static let signer = TokenSigner(keySet: try! TokenKeySet(active: signingKey), issuer: issuer)
    static let verifier = TokenVerifier(keys: [signingKey.verificationKey])

    static func token(_ text: String) throws(FuzzFailure) {
        _ = try? TokenDecoder.decode(text)
        if let verified = try? verifier.verifiedToken(text, now: 1_767_225_600, expectedIssuer: issuer) {
            throw FuzzFailure("a token the fuzzer made verified: \(verified.claims) from \(text)")
        }
    }

    static func json(_ bytes: [UInt8]) throws(FuzzFailure) {
        guard let printed = TokenFuzzingSeam.parseJSON(bytes) else { return }
        guard let again = TokenFuzzingSeam.parseJSON(Array(printed.utf8)) else {
            throw FuzzFailure("the JSON parser refuses its own pretty-printing \(printed) of \(hex(bytes))")
        }
        guard again == printed else {
            throw FuzzFailure("\(hex(bytes)) pretty-prints as\n\(printed)\nwhich prints as\n\(again)")
        }
    }

    static func claims(_ bytes: [UInt8]) throws(FuzzFailure) {
        let general = Result { () throws(TokenError) in try TokenFuzzingSeam.claims(fromPayloadJSON: bytes) }
        // The reader of the hub's own layout reads what the general path reads, or gives up.
        if let canonical = TokenFuzzingSeam.canonicalClaims(fromPayloadJSON: bytes), general != .success(canonical) {
            throw FuzzFailure("the canonical reader reads \(hex(bytes)) as \(canonical), the general path as \(general)")
        }
        guard case .success(let claims) = general else { return }
        let written = claims.json
        if let canonical = TokenFuzzingSeam.canonicalClaims(fromPayloadJSON: Array(written.utf8)), canonical != claims {
            throw FuzzFailure("the canonical reader reads the written \(written) as \(canonical), not \(claims)")
        }
        let reread: ConsentTokenClaims
        do {
            reread = try TokenFuzzingSeam.claims(fromPayloadJSON: Array(written.utf8))
        } catch {
            throw FuzzFailure("the claims of \(hex(bytes)) are written as \(written), which does not read back: \(error)")
        }
        guard reread == claims else {
            throw FuzzFailure("the claims \(claims) of \(hex(bytes)) are written as \(written), which reads back as \(reread)")
        }
        // What the signer accepts must verify as exactly what was signed.
        guard (try? claims.validate()) != nil, let token = try? signer.sign(claims) else { return }
        let verified: ConsentTokenClaims
        do {
            verified = try verifier.verify(token, now: claims.issuedAt, expectedIssuer: claims.issuer)
        } catch {
            if case .expired = error { return }  // exp at or before iat: the verifier is right
            throw FuzzFailure("a token signed for the claims \(claims) does not verify: \(error)")
        }
        guard verified == claims else {
            throw FuzzFailure("a token signed for the claims \(claims) verifies as \(verified)")
        }
    }

    static func jwks(_ text: String) throws(FuzzFailure) {
        guard let keys = try? JWKS.decode(text) else { return }
        let published = JWKS.encode(keys)
        let reread: [VerificationKey]
        do {
            reread = try JWKS.decode(published)
        } catch {
            throw FuzzFailure("the keys of \(text) are published as \(published), which does not read back: \(error)")
        }
        guard reread == keys else {
            throw FuzzFailure("the keys of \(text) are published as \(published), which reads back as other keys")
        }
    }
}
