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
    public var consumerOrganisationNumber: String
    /// When the consent was given, seconds since the epoch (`consented`, RFC 3339).
    public var consentedAt: Int64
    /// When the consent ends, seconds since the epoch (`validTo`, RFC 3339).
    public var validTo: Int64
    /// What it covers (`consentRights`), at least one resource.
    public var rights: [ConsentRight]
    /// The vendor acting for the consumer that the token was issued to
    /// (`handledBy`, Altinn 3's party URN of an organisation); nil when the
    /// consumer got the token itself. A data source accepts the token from
    /// the consumer or from this vendor.
    public var handledByOrganisationNumber: String?

    public init(
        consentID: String,
        from: ConsentParty,
        consumerOrganisationNumber: String,
        consentedAt: Int64,
        validTo: Int64,
        rights: [ConsentRight],
        handledByOrganisationNumber: String? = nil
    ) {
        self.consentID = consentID
        self.from = from
        self.consumerOrganisationNumber = consumerOrganisationNumber
        self.consentedAt = consentedAt
        self.validTo = validTo
        self.rights = rights
        self.handledByOrganisationNumber = handledByOrganisationNumber
    }

    /// `0192:<consumerOrganisationNumber>`, the value of `to.ID`.
    public var consumerID: String { "0192:" + consumerOrganisationNumber }

    /// `urn:altinn:organization:identifier-no:<9 digits>`, the value of `handledBy`.
    public var handledBy: String? {
        handledByOrganisationNumber.map { ConsentParty.organisation(identifier: $0).urn }
    }
}
