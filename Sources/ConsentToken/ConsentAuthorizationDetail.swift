/// The consent a token carries: the single entry of its
/// `authorization_details` (RFC 9396 rich authorization request form, with
/// Altinn 3's `urn:altinn:consent` type).
public struct ConsentAuthorizationDetail: Hashable, Sendable {
    /// The consent's id (`id`).
    public var consentID: String
    /// Who consented (`from`).
    public var from: ConsentParty
    /// The consumer's organisation number; written as `to.ID` `0192:<orgno>`
    /// (ISO 6523 ICD 0192 is Norway's Enhetsregisteret).
    public var consumerOrganizationNumber: String
    /// When the consent was given, seconds since the epoch (`consented`, RFC 3339).
    public var consentedAt: Int64
    /// When the consent ends, seconds since the epoch (`validTo`, RFC 3339).
    public var validTo: Int64
    /// What it covers (`consentRights`), at least one resource.
    public var rights: [ConsentRight]

    public init(
        consentID: String,
        from: ConsentParty,
        consumerOrganizationNumber: String,
        consentedAt: Int64,
        validTo: Int64,
        rights: [ConsentRight]
    ) {
        self.consentID = consentID
        self.from = from
        self.consumerOrganizationNumber = consumerOrganizationNumber
        self.consentedAt = consentedAt
        self.validTo = validTo
        self.rights = rights
    }

    /// `0192:<consumerOrganizationNumber>`, the value of `to.ID`.
    public var consumerID: String { "0192:" + consumerOrganizationNumber }
}
