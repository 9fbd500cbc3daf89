import ConsentOpenSSL

/// Makes signed consent tokens (JWS compact, ES256) with the active key of
/// a `TokenKeySet`.
///
/// A small immutable value: safe to share across threads and cheap to copy.
public struct TokenSigner: Sendable {
    /// The default token lifetime: 120 s, like Altinn 3.
    public static let defaultLifetime: Int64 = 120

    /// The keys: the active one signs.
    public let keySet: TokenKeySet
    /// `iss` of every token, e.g. `https://consenthub.example`.
    public let issuer: String
    /// Seconds from `iat` to `exp` (shortened to the consent's `validTo`).
    public let lifetime: Int64
    /// Where every token signed is remembered, for verifiers given the same
    /// table (`TokenKeySet.verifier(leeway:issued:)`); nil: nowhere.
    public let issued: IssuedTokens?
    /// `issued.keyIndex(for:)` of the active key.
    private let activeKeyIndex: UInt32

    public init(keySet: TokenKeySet, issuer: String, lifetime: Int64 = TokenSigner.defaultLifetime, issued: IssuedTokens? = nil) {
        precondition(lifetime > 0, "a token lifetime must be positive")
        self.keySet = keySet
        self.issuer = issuer
        self.lifetime = lifetime
        self.issued = issued
        activeKeyIndex = issued?.keyIndex(for: keySet.active.privateKey.publicKey) ?? 0
    }

    /// The claims of a new token for `consent`, issued at `now`: `exp` is
    /// `now + lifetime`, but never after the consent's `validTo`.
    ///
    /// - Important: The caller checks that the consent is live (accepted, not
    ///   revoked, `validTo` in the future). For a consent already past
    ///   `validTo` the token would be born expired.
    public func claims(for consent: ConsentAuthorizationDetail, isOneTime: Bool, now: Int64) -> ConsentTokenClaims {
        ConsentTokenClaims(
            issuer: issuer,
            issuedAt: now,
            expiresAt: min(now + lifetime, consent.validTo),
            tokenID: ConsentTokenClaims.newTokenID(),
            consent: consent,
            isOneTime: isOneTime)
    }

    /// Signs `claims` with the active key.
    ///
    /// Builds `base64url(header) . base64url(claims JSON) . base64url(r‖s)`
    /// straight into the result string's storage; the claims JSON is written
    /// on the stack. One heap allocation (the string) besides OpenSSL's own.
    /// The `jti` is drawn when the claims are made (see `claims(for:isOneTime:now:)`).
    /// With an `issued` table the token is remembered there (see `IssuedTokens`
    /// for the digest that stands for it).
    /// - Returns: the token.
    /// - Throws: `TokenError.malformed` if the claims fail `validate()`;
    ///   `OpenSSLError` if signing fails.
    public func sign(_ claims: ConsentTokenClaims) throws -> String {
        try claims.validate()
        return try withUnsafeTemporaryAllocation(byteCount: 2048, alignment: 16) { scratch in
            var payload = JSONWriter(borrowing: scratch)
            claims.write(into: &payload)
            let key = keySet.active
            let header = key.encodedHeader
            let signingInputCount = header.count + 1 + Base64URL.encodedCount(payload.count)
            let total = signingInputCount + 1 + Base64URL.encodedCount(P256.rawSignatureCount)
            return try String(unsafeUninitializedCapacity: total) { output in
                let base = output.baseAddress!
                header.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: $0.count) }
                base[header.count] = UInt8(ascii: ".")
                payload.withBytes { _ = Base64URL.encode($0, into: base + header.count + 1) }
                // The digest once: signed, and remembered with the signature in `issued`.
                return try withUnsafeTemporaryAllocation(byteCount: SHA256.digestCount, alignment: 8) { digest in
                    SHA256.hash(UnsafeRawBufferPointer(start: base, count: signingInputCount), into: digest)
                    let signature = try key.privateKey.sign(digest: UnsafeRawBufferPointer(digest))
                    base[signingInputCount] = UInt8(ascii: ".")
                    signature.withUnsafeBytes { signature in
                        _ = Base64URL.encode(signature, into: base + signingInputCount + 1)
                        issued?.record(
                            signingInputDigest: UnsafeRawBufferPointer(digest), signature: signature, tokenID: claims.tokenID,
                            expiresAt: claims.expiresAt, now: claims.issuedAt, key: activeKeyIndex)
                    }
                    return total
                }
            }
        }
    }

    /// `claims(for:isOneTime:now:)` then `sign(_:)`.
    /// - Throws: as `sign(_:)`.
    public func issue(for consent: ConsentAuthorizationDetail, isOneTime: Bool, now: Int64) throws -> String {
        try sign(claims(for: consent, isOneTime: isOneTime, now: now))
    }
}
