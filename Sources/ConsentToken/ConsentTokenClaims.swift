import ConsentOpenSSL

/// The claims of a ConsentHub token, following Altinn 3's consent token so
/// existing validators work (DESIGN §7; the layout is in docs/TOKENS.md).
///
/// Times are seconds since 1970-01-01T00:00:00Z (JWT NumericDate).
public struct ConsentTokenClaims: Hashable, Sendable {
    /// `iss`: the hub's issuer URL, e.g. `https://consenthub.example`.
    public var issuer: String
    /// `iat`: when the token was made.
    public var issuedAt: Int64
    /// `exp`: when it stops being valid.
    public var expiresAt: Int64
    /// `jti`: unique per token.
    public var tokenID: String
    /// `authorization_details[0]`: the consent.
    public var consent: ConsentAuthorizationDetail
    /// `consent_once`: the consent is one-time (engangssamtykke) and ends at
    /// its first logged use. Written only when true; absent means reusable.
    public var isOneTime: Bool

    public init(
        issuer: String,
        issuedAt: Int64,
        expiresAt: Int64,
        tokenID: String = ConsentTokenClaims.newTokenID(),
        consent: ConsentAuthorizationDetail,
        isOneTime: Bool = false
    ) {
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.tokenID = tokenID
        self.consent = consent
        self.isOneTime = isOneTime
    }

    /// A new `jti`: 128 random bits, base64url (22 characters). Drawn from
    /// the buffered CSPRNG: a direct `RAND_bytes` call costs several percent
    /// of a token signature.
    public static func newTokenID() -> String {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 1) { buffer in
            SecureRandom.fillBuffered(buffer)
            return String(unsafeUninitializedCapacity: 22) { output in
                Base64URL.encode(UnsafeRawBufferPointer(buffer), into: output.baseAddress!)
            }
        }
    }

    /// Checks what a signer must never put in a token: identifiers of the
    /// wrong shape, times outside RFC 3339's range, no resources.
    /// - Throws: `TokenError.malformed` naming the field.
    public func validate() throws(TokenError) {
        guard !issuer.isEmpty else { throw .malformed("iss is empty") }
        guard !tokenID.isEmpty else { throw .malformed("jti is empty") }
        guard !consent.consentID.isEmpty else { throw .malformed("authorization_details id is empty") }
        guard consent.from.isWellFormed else { throw .malformed("from \(consent.from.urn) is not a person (11 digits) or organisation (9 digits)") }
        guard ConsentParty.isDigits(consent.consumerOrganisationNumber, count: 9) else {
            throw .malformed("to.ID: consumer organisation number \(consent.consumerOrganisationNumber) is not 9 digits")
        }
        guard (0..<RFC3339.limit).contains(consent.consentedAt), (0..<RFC3339.limit).contains(consent.validTo) else {
            throw .malformed("consented or validTo is outside the years 1970–9999")
        }
        guard !consent.rights.isEmpty else { throw .malformed("consentRights is empty") }
        for right in consent.rights where right.resource.isEmpty {
            throw .malformed("a consentRights resource is empty")
        }
    }
}
