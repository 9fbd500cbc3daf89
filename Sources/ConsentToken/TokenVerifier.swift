import ConsentOpenSSL

/// Checks ConsentHub tokens offline against published keys, as a data
/// source does (docs/TOKENS.md). Checks the token's form and signature and
/// its time and issuer claims; what the token *allows* (consumer, resource,
/// metadata) is the caller's decision.
public struct TokenVerifier: Sendable {
    /// The default clock-skew allowance: 30 seconds.
    public static let defaultLeeway: Int64 = 30
    /// Longer tokens are refused before any work is done.
    public static let maximumTokenLength = 64 * 1024

    private let keys: [String: VerificationKey]
    /// Seconds of clock skew tolerated for `exp`, `iat` and `nbf`.
    public let leeway: Int64
    /// The tokens the hub signed (see `IssuedTokens`); nil: every token is checked in full.
    private let issued: IssuedTokens?
    /// `issued.keyIndex(for:)` of each key, by `kid`.
    private let keyIndices: [String: UInt32]
    /// The header the hub writes for each key, base64url, with its key.
    private let knownHeaders: [(encodedHeader: [UInt8], keyID: String, key: VerificationKey)]

    /// - Parameters:
    ///   - keys: the published keys (from `JWKS.decode` or a `TokenKeySet`).
    ///   - leeway: clock-skew allowance in seconds.
    ///   - issued: the hub's table of the tokens it signed: one found there
    ///     unaltered, and signed by the key its `kid` names now, needs no
    ///     signature check. Every other check is the same with or without it.
    public init(keys: [VerificationKey], leeway: Int64 = TokenVerifier.defaultLeeway, issued: IssuedTokens? = nil) {
        var byID: [String: VerificationKey] = [:]
        for key in keys where byID[key.keyID] == nil { byID[key.keyID] = key }
        self.keys = byID
        self.leeway = leeway
        self.issued = issued
        keyIndices = issued.map { table in byID.mapValues { table.keyIndex(for: $0.publicKey) } } ?? [:]
        knownHeaders = byID.values.map { key in (SigningKey.encodedHeader(keyID: key.keyID), key.keyID, key) }
    }

    /// A verifier for the keys of a JWK Set.
    /// - Throws: `JWKSError` if the set cannot be read.
    public init(jwks: String, leeway: Int64 = TokenVerifier.defaultLeeway) throws(JWKSError) {
        self.init(keys: try JWKS.decode(jwks), leeway: leeway)
    }

    /// Verifies `token` and returns its claims.
    ///
    /// In order: three base64url parts; a header that is a JSON object with
    /// `alg` exactly `ES256`, no `crit`, and a `kid` among the keys; a
    /// 64-byte signature that verifies over `header.payload`; then the
    /// payload's claims, `iss` equal to `expectedIssuer`, `now < exp + leeway`,
    /// `iat` (and `nbf` if present) `<= now + leeway`.
    /// - Parameters:
    ///   - now: the current time, seconds since the epoch.
    /// - Throws: `TokenError` saying which check failed.
    public func verify(_ token: String, now: Int64, expectedIssuer: String) throws(TokenError) -> ConsentTokenClaims {
        try verifiedToken(token, now: now, expectedIssuer: expectedIssuer).claims
    }

    /// Verifies `token` as `verify(_:now:expectedIssuer:)` does, and also
    /// names the key that signed it.
    public func verifiedToken(_ token: String, now: Int64, expectedIssuer: String) throws(TokenError) -> VerifiedToken {
        let parts = try TokenParts(token)
        let (keyID, key) = try signingKey(of: parts)

        // The signature's bytes and the digest of `header.payload`: both the
        // table and ECDSA use them (the token is hashed once).
        let signature = parts.signature()
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { output in parts.signingInput.withUnsafeBytes { SHA256.hash($0, into: output) } }

        // The payload in the hub's own layout is read straight into claims
        // (`CanonicalClaimsReader`); any other payload, and every error, is
        // left to the general parser, after the signature as before.
        let payloadBytes = parts.payloadBytes()
        let canonical = payloadBytes.flatMap { bytes in bytes.withUnsafeBytes { CanonicalClaimsReader.read($0) } }

        // The hub's own token, unaltered and signed by the key `kid` names
        // now: its signature is one the hub made (valid, low S). Looked up
        // only when the payload parses and has a jti; any other token, and
        // any error, takes the full path below, in the full path's order.
        var parsed: JSONValue? = nil
        var trusted = false
        if let issued, let signature, signature.count == P256.rawSignatureCount {
            let tokenID: String?
            if let canonical {
                tokenID = canonical.tokenID
            } else {
                parsed = payloadBytes.flatMap { try? JSONParser.parse($0) }
                tokenID = parsed?["jti"]?.stringValue
            }
            if let tokenID, let keyIndex = keyIndices[keyID] {
                trusted = withUnsafeBytes(of: digest) { digest in
                    signature.withUnsafeBytes {
                        issued.contains(signingInputDigest: digest, signature: $0, tokenID: tokenID, signedBy: keyIndex)
                    }
                }
            }
        }
        if !trusted {
            // Low S only: the hub signs that way, and the high twin of a signature
            // would make a second valid string of the same token.
            guard let signature, signature.count == P256.rawSignatureCount, P256.isLowS(signature) else {
                throw .badSignature
            }
            let valid = withUnsafeBytes(of: digest) { digest in
                signature.withUnsafeBytes { key.publicKey.isValidSignature($0, digest: digest) }
            }
            guard valid else { throw .badSignature }
        }

        let claims: ConsentTokenClaims
        var notBefore: JSONValue? = nil
        if let canonical {
            claims = canonical  // the hub's layout has no nbf
        } else {
            // Parsed above when there is a table (a payload that did not parse is
            // parsed again here, after the signature, for the full path's error).
            let payload: JSONValue
            if let parsed { payload = parsed } else { payload = try parts.payload() }
            claims = try ConsentTokenClaims(payload: payload)
            notBefore = payload["nbf"]
        }
        guard claims.issuer == expectedIssuer else { throw .wrongIssuer(found: claims.issuer, expected: expectedIssuer) }
        guard now < claims.expiresAt + leeway else { throw .expired(expiresAt: claims.expiresAt, now: now) }
        guard claims.issuedAt <= now + leeway else { throw .notYetValid(validFrom: claims.issuedAt, now: now) }
        if let notBefore {
            guard let notBefore = notBefore.numericDate else { throw .malformed("nbf is not a number") }
            guard notBefore <= now + leeway else { throw .notYetValid(validFrom: notBefore, now: now) }
        }
        return VerifiedToken(claims: claims, keyID: keyID)
    }

    /// The `kid` and key of the header: found by comparing its base64url
    /// text with the header the hub writes for each key (`SigningKey`'s:
    /// the same bytes mean the same alg, kid and nothing else), and
    /// otherwise by parsing it.
    /// - Throws: the header's `TokenError`, as the checks below say.
    private func signingKey(of parts: TokenParts) throws(TokenError) -> (keyID: String, key: VerificationKey) {
        for known in knownHeaders where parts.headerText.elementsEqual(known.encodedHeader) {
            return (known.keyID, known.key)
        }
        let header = try parts.header()
        guard let algorithm = header["alg"]?.stringValue else { throw .malformed("the header has no alg") }
        // Only ES256: never "none", never an HMAC that a public key could be
        // abused as the secret of (the classic algorithm-confusion attack).
        guard algorithm == "ES256" else { throw .unsupportedAlgorithm(algorithm) }
        guard header["crit"] == nil else { throw .malformed("critical header parameters are not supported") }
        guard let keyIDValue = header["kid"] else { throw .unknownKeyID(nil) }
        guard let keyID = keyIDValue.stringValue else { throw .malformed("kid is not a string") }
        guard let key = keys[keyID] else { throw .unknownKeyID(keyID) }
        return (keyID, key)
    }
}

/// A token whose signature, issuer and times checked out.
public struct VerifiedToken: Sendable {
    public let claims: ConsentTokenClaims
    /// The `kid` of the key that signed it.
    public let keyID: String
}

/// The three parts of a JWS compact token, split but not yet trusted.
///
/// Works on the token's UTF-8 bytes: splitting a `String` by `Character`
/// walks grapheme clusters and cost a fifth of a `VerifyToken` call.
struct TokenParts {
    /// `header.payload`, the bytes the signature covers.
    let signingInput: ArraySlice<UInt8>
    let headerText: ArraySlice<UInt8>
    let payloadText: ArraySlice<UInt8>
    /// The signature's base64url text.
    let signatureText: ArraySlice<UInt8>

    init(_ token: String) throws(TokenError) {
        guard token.utf8.count <= TokenVerifier.maximumTokenLength else {
            throw .malformed("longer than \(TokenVerifier.maximumTokenLength) bytes")
        }
        let bytes = Array(token.utf8)
        // The first two dots and how many there are, without an array of them.
        var dots = (first: 0, second: 0)
        var dotCount = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: ".") {
            if dotCount == 0 { dots.first = index } else if dotCount == 1 { dots.second = index }
            dotCount += 1
        }
        guard dotCount == 2 else { throw .malformed("a JWS compact token has 3 parts, this has \(dotCount + 1)") }
        headerText = bytes[..<dots.first]
        payloadText = bytes[(dots.first + 1)..<dots.second]
        signatureText = bytes[(dots.second + 1)...]
        guard !headerText.isEmpty, !payloadText.isEmpty, !signatureText.isEmpty else { throw .malformed("an empty part") }
        signingInput = bytes[..<dots.second]
    }

    func header() throws(TokenError) -> JSONValue {
        let value = try Self.decodeJSON(headerText, "header")
        guard value.objectValue != nil else { throw .malformed("the header is not a JSON object") }
        return value
    }

    func payload() throws(TokenError) -> JSONValue {
        try Self.decodeJSON(payloadText, "payload")
    }

    /// The payload's decoded bytes, or nil when it is not base64url.
    func payloadBytes() -> [UInt8]? {
        payloadText.withUnsafeBytes { Base64URL.decode($0) }
    }

    /// The decoded signature, or nil when it is not base64url.
    func signature() -> [UInt8]? {
        signatureText.withUnsafeBytes { Base64URL.decode($0) }
    }

    private static func decodeJSON(_ text: ArraySlice<UInt8>, _ part: String) throws(TokenError) -> JSONValue {
        guard let bytes = text.withUnsafeBytes({ Base64URL.decode($0) }) else {
            throw .malformed("the \(part) is not base64url")
        }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw .malformed("the \(part) is not JSON: \(error.message) at byte \(error.offset)")
        }
    }
}
