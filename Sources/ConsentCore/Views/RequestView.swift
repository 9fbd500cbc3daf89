/// A request (or consent) as its consumer, data source, owner or an admin sees it:
/// the answer to "get status". No user names, no rendered texts.
public struct RequestView: Hashable, Sendable {
    /// The request id; also the consent id.
    public var id: RequestID
    /// The status now (expiry computed on read).
    public var status: ConsentStatus
    /// The consumer (covered-by).
    public var consumer: OrganisationNumber
    /// Whose consent it is: as asked for, or who answered an open request.
    public var offeredBy: PartyID?
    /// The resources with their metadata.
    public var resources: [ResourceGrant]
    /// The consumer's redirect URL.
    public var redirectURL: String
    /// The purpose (DelegationContext).
    public var purpose: String
    /// The asked language, if any.
    public var language: Language?
    /// One-time (engangssamtykke) or time-limited.
    public var kind: ConsentKind
    /// When the request was created.
    public var createdAt: Timestamp
    /// When the request expires if unanswered.
    public var answerBy: Timestamp
    /// When the consent ends.
    public var validTo: Timestamp
    /// When the user answered.
    public var decidedAt: Timestamp?
    /// When the consent ended early: withdrawn, used up, or marked expired.
    public var endedAt: Timestamp?
    /// The vendor that created the request for its consumer (Altinn 3's `handledBy`).
    public var handledBy: OrganisationNumber?
    /// The one person who may answer for the organisation (Altinn 3's `requiredDelegator`), if named.
    public var requiredDelegator: NationalIdentityNumber?
    /// For an answer given for an organisation: the roles by which the person answered.
    public var answerAuthority: [RoleCode] = []
    /// The purpose in other languages, as the consumer gave it.
    public var purposeTexts = LocalizedText(bokmal: nil)
    /// The language the person read the page in when they answered.
    public var answerLanguage: Language?
    /// The consent template (and version) the page uses, pinned when the request was created.
    public var template: TemplatePin?

    /// Creates a view.
    public init(id: RequestID, status: ConsentStatus, consumer: OrganisationNumber, offeredBy: PartyID?,
                resources: [ResourceGrant], redirectURL: String, purpose: String, language: Language?,
                kind: ConsentKind, createdAt: Timestamp, answerBy: Timestamp, validTo: Timestamp,
                decidedAt: Timestamp?, endedAt: Timestamp?, handledBy: OrganisationNumber? = nil,
                requiredDelegator: NationalIdentityNumber? = nil, answerAuthority: [RoleCode] = [],
                purposeTexts: LocalizedText = LocalizedText(bokmal: nil), answerLanguage: Language? = nil,
                template: TemplatePin? = nil) {
        self.template = template
        self.purposeTexts = purposeTexts
        self.answerLanguage = answerLanguage
        self.requiredDelegator = requiredDelegator
        self.answerAuthority = answerAuthority
        self.id = id
        self.status = status
        self.consumer = consumer
        self.offeredBy = offeredBy
        self.resources = resources
        self.redirectURL = redirectURL
        self.purpose = purpose
        self.language = language
        self.kind = kind
        self.createdAt = createdAt
        self.answerBy = answerBy
        self.validTo = validTo
        self.decidedAt = decidedAt
        self.endedAt = endedAt
        self.handledBy = handledBy
    }
}
