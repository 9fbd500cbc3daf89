/// Everything that can change the state. A command is validated against the
/// current state by ``ConsentState/decide(_:by:at:using:)``, which turns it into
/// events; reads are plain methods on ``ConsentState``.
public enum Command: Hashable, Sendable {
    // MARK: Registry (data source or admin)

    /// Registers a resource or updates its definition (owner only). Registering
    /// a definition identical to the current one changes nothing.
    case registerResource(Resource)
    /// Lets a consumer ask for consent to a resource (rettighetsregister, seed 004),
    /// or updates its name and redirect domains.
    case authoriseConsumer(ConsumerAuthorisation)
    /// Stops a consumer from asking for new consents to a resource. Consents
    /// already given stay valid: they are the user's decision.
    case deauthoriseConsumer(resource: ResourceID, consumer: OrganisationNumber)
    /// Registers a consent template or a new version of it (owner or admin;
    /// the version is assigned). Registering the version in force again changes nothing.
    case registerTemplate(ConsentTemplate)

    // MARK: Consumer

    /// Creates a consent request (samtykkeforespørsel).
    case createRequest(NewConsentRequest)
    /// Creates a consent request from an Altinn-2 query string (seed 004).
    case createRequestFromQuery(String, idempotencyKey: String?)

    // MARK: End user

    /// Accepts a request: the consent is given. `code` carries the SHA-256 of the
    /// authorization code the server will put in the redirect.
    /// `onBehalfOf` answers an open request for an organisation the user may sign for.
    /// `language` is the one the person read the page in, recorded with the answer.
    case acceptRequest(RequestID, code: CodeGrant, onBehalfOf: OrganisationNumber? = nil, language: Language? = nil)
    /// Rejects a request.
    case rejectRequest(RequestID, onBehalfOf: OrganisationNumber? = nil, language: Language? = nil)
    /// Withdraws a consent (trekke samtykke): by the end user or an admin (not
    /// possible for a one-time consent), or ends it for its consumer, which no
    /// longer needs it (also an unused one-time consent).
    case revokeConsent(RequestID)

    // MARK: Consumer, on its own requests

    /// Deletes a request nobody has answered yet (Altinn 3's `deleted`).
    case deleteRequest(RequestID)

    // MARK: Consumer (or admin), on its vendors

    /// Lets a system vendor act for a consumer, for some resources, or
    /// changes its name or resources. Re-authorising with the same content changes nothing.
    case authoriseVendor(VendorAuthorisation)
    /// Stops a vendor from acting for a consumer, at once.
    case deauthoriseVendor(consumer: OrganisationNumber, vendor: OrganisationNumber)

    // MARK: Tokens (consumer) and use (consumer or data source)

    /// Exchanges an authorization code (by its hash) for the facts of a token.
    case exchangeCode(codeHash: [UInt8])
    /// Exchanges many codes; each answered on its own.
    case exchangeCodes(codeHashes: [[UInt8]])
    /// Records a use of a consent (logUse); ends a one-time consent.
    case logUse(UseReport)
    /// Records many uses; each answered on its own.
    case logUses([UseReport])

    // MARK: Housekeeping (system or admin)

    /// Writes expiry events for up to `limit` requests and consents whose deadline
    /// has passed, so that the events feed and the log show them.
    case expireDue(limit: Int)
}

/// The authorization code the server issues on acceptance, by hash.
public struct CodeGrant: Hashable, Sendable {
    /// SHA-256 of the code: exactly 32 bytes.
    public var codeHash: [UInt8]
    /// When the code stops working; `nil` for the configured default (5 minutes).
    public var expiresAt: Timestamp?

    /// Creates a grant.
    public init(codeHash: [UInt8], expiresAt: Timestamp? = nil) {
        self.codeHash = codeHash
        self.expiresAt = expiresAt
    }
}

/// One use of a consent (seed 003: "Forsikrings-selskapet er ansvarlig for å
/// logge bruk av samtykke ved å benytte Altinn tjenesten «logUse»").
public struct UseReport: Hashable, Sendable {
    /// The consent.
    public var consent: RequestID
    /// The resource whose data was fetched.
    public var resource: ResourceID
    /// When the data was fetched (Altinn 2's `UsageDateTime`).
    public var usedAt: Timestamp

    /// Creates a report.
    public init(consent: RequestID, resource: ResourceID, usedAt: Timestamp) {
        self.consent = consent
        self.resource = resource
        self.usedAt = usedAt
    }
}
