/// What a consent token says, decided here and signed by ConsentToken
/// (DESIGN §7: Altinn 3's `authorization_details`).
public struct TokenFacts: Hashable, Sendable {
    /// The consent id (`authorization_details[].id`).
    public var consentID: RequestID
    /// The consumer the token is for (`to`).
    public var consumer: OrganisationNumber
    /// Whose consent it is (`from`).
    public var offeredBy: PartyID
    /// The resources and their metadata (`consentRights`).
    public var resources: [ResourceGrant]
    /// When the consent was given (`consented`).
    public var consentedAt: Timestamp
    /// When it ends (`validTo`).
    public var validTo: Timestamp
    /// Whether it is a one-time consent.
    public var isOneTime: Bool
    /// The vendor the token is issued to, acting for the consumer (`handledBy`); nil when the consumer got it itself.
    public var handledBy: OrganisationNumber?
    /// Per resource (in `resources`' order), the actions beyond reading its
    /// definition grants (issue 12; the token's `consentRights.action`).
    public var actions: [[String]] = []

    /// Creates facts.
    public init(consentID: RequestID, consumer: OrganisationNumber, offeredBy: PartyID, resources: [ResourceGrant],
                consentedAt: Timestamp, validTo: Timestamp, isOneTime: Bool, handledBy: OrganisationNumber? = nil) {
        self.consentID = consentID
        self.consumer = consumer
        self.offeredBy = offeredBy
        self.resources = resources
        self.consentedAt = consentedAt
        self.validTo = validTo
        self.isOneTime = isOneTime
        self.handledBy = handledBy
    }
}
