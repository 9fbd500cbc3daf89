/// Something that happened, recorded durably and never changed: the only input
/// from which ``ConsentState`` is built.
///
/// Every event names who did it and when, and carries a global sequence number
/// (1, 2, 3, … in the order events are applied) that is the cursor of the events
/// feed. Events are stored by ConsentStore as the opaque bytes of ``EventCodec``.
public struct Event: Hashable, Sendable {
    /// The global sequence number: assigned by the state in apply order, dense from 1.
    public var sequence: UInt64
    /// When the hub recorded it.
    public var time: Timestamp
    /// Who did it.
    public var actor: Actor
    /// What happened.
    public var payload: EventPayload

    /// Creates an event.
    public init(sequence: UInt64, time: Timestamp, actor: Actor, payload: EventPayload) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.payload = payload
    }

    /// The kind of event.
    public var kind: EventKind { payload.kind }
}

/// The kinds of events; the raw value is the type byte of ``EventCodec``.
public enum EventKind: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case resourceRegistered = 1
    case consumerAuthorised = 2
    case consumerDeauthorised = 3
    case requestCreated = 4
    case requestAccepted = 5
    case requestRejected = 6
    case consentRevoked = 7
    case codeExchanged = 8
    case codeReuseAttempted = 9
    case consentUsed = 10
    case requestExpired = 11
    case consentExpired = 12
    case requestDeleted = 13
    case vendorAuthorised = 14
    case vendorDeauthorised = 15
    case templateRegistered = 16

    public var description: String {
        switch self {
        case .resourceRegistered: return "resourceRegistered"
        case .consumerAuthorised: return "consumerAuthorised"
        case .consumerDeauthorised: return "consumerDeauthorised"
        case .requestCreated: return "requestCreated"
        case .requestAccepted: return "requestAccepted"
        case .requestRejected: return "requestRejected"
        case .consentRevoked: return "consentRevoked"
        case .codeExchanged: return "codeExchanged"
        case .codeReuseAttempted: return "codeReuseAttempted"
        case .consentUsed: return "consentUsed"
        case .requestExpired: return "requestExpired"
        case .consentExpired: return "consentExpired"
        case .requestDeleted: return "requestDeleted"
        case .vendorAuthorised: return "vendorAuthorised"
        case .vendorDeauthorised: return "vendorDeauthorised"
        case .templateRegistered: return "templateRegistered"
        }
    }
}

/// What an event records. Each case holds everything needed to apply it, so
/// the state can be rebuilt from events alone.
public enum EventPayload: Hashable, Sendable {
    /// A resource definition, new or a new version.
    /// (`indirect`, like `requestCreated`: the two large payloads are boxed so
    /// that the frequent small events stay small to copy.)
    indirect case resourceRegistered(Resource)
    /// A consumer may ask for a resource (or its name/domains changed).
    case consumerAuthorised(ConsumerAuthorisation)
    /// A consumer may no longer ask for a resource.
    case consumerDeauthorised(resource: ResourceID, consumer: OrganisationNumber)
    /// A request was created.
    indirect case requestCreated(RequestCreated)
    /// The user accepted: the consent exists, with an authorization code (by hash).
    case requestAccepted(RequestAccepted)
    /// The user rejected, answering for `party` (for an organisation, by
    /// `authority`: the roles that counted, see ``RequestAccepted/authority``).
    /// `language`: the one the person read the page in, if the portal said.
    case requestRejected(id: RequestID, party: PartyID, authority: [RoleCode] = [], language: Language? = nil)
    /// The consent was withdrawn: by the user, the support desk (admin), or
    /// its consumer, which no longer needs it (the actor says who).
    case consentRevoked(RequestID)
    /// The consumer exchanged the code.
    case codeExchanged(RequestID, CodeHash)
    /// Someone presented an already exchanged code again (refused).
    case codeReuseAttempted(RequestID, CodeHash)
    /// The consent was used.
    case consentUsed(ConsentUse)
    /// The request's answer deadline passed unanswered.
    case requestExpired(RequestID)
    /// The consent's validity ended.
    case consentExpired(RequestID)
    /// The consumer deleted a request nobody had answered.
    case requestDeleted(RequestID)
    /// A consumer let a vendor act for it (or changed its name or resources).
    case vendorAuthorised(VendorAuthorisation)
    /// A consumer stopped a vendor from acting for it.
    case vendorDeauthorised(consumer: OrganisationNumber, vendor: OrganisationNumber)
    /// A data source registered a consent template, or a new version of it (issue 12, point 4).
    indirect case templateRegistered(ConsentTemplate)

    /// The kind of event.
    public var kind: EventKind {
        switch self {
        case .resourceRegistered: return .resourceRegistered
        case .consumerAuthorised: return .consumerAuthorised
        case .consumerDeauthorised: return .consumerDeauthorised
        case .requestCreated: return .requestCreated
        case .requestAccepted: return .requestAccepted
        case .requestRejected: return .requestRejected
        case .consentRevoked: return .consentRevoked
        case .codeExchanged: return .codeExchanged
        case .codeReuseAttempted: return .codeReuseAttempted
        case .consentUsed: return .consentUsed
        case .requestExpired: return .requestExpired
        case .consentExpired: return .consentExpired
        case .requestDeleted: return .requestDeleted
        case .vendorAuthorised: return .vendorAuthorised
        case .vendorDeauthorised: return .vendorDeauthorised
        case .templateRegistered: return .templateRegistered
        }
    }

    /// The request the event concerns, if any.
    public var requestID: RequestID? {
        switch self {
        case .resourceRegistered, .consumerAuthorised, .consumerDeauthorised, .vendorAuthorised, .vendorDeauthorised,
             .templateRegistered: return nil
        case .requestCreated(let c): return c.id
        case .requestAccepted(let a): return a.id
        case .requestRejected(let id, _, _, _), .consentRevoked(let id), .codeExchanged(let id, _),
             .codeReuseAttempted(let id, _), .requestExpired(let id), .consentExpired(let id), .requestDeleted(let id):
            return id
        case .consentUsed(let u): return u.id
        }
    }
}

/// The facts of a new request, validated and normalised.
public struct RequestCreated: Hashable, Sendable {
    public var id: RequestID
    public var consumer: OrganisationNumber
    public var offeredBy: PartyID?
    /// The resources with validated metadata, each pinned to the definition version in force.
    public var grants: [ResourceGrant]
    public var redirectURL: String
    public var validTo: Timestamp
    /// When the request expires if unanswered.
    public var answerBy: Timestamp
    public var language: Language?
    public var purpose: String
    /// The `UserToken` digest, when given.
    public var userToken: SHA256Digest?
    public var idempotencyKey: String?
    /// A stable hash of the request as sent, to tell a retry from a conflicting reuse of the key.
    public var fingerprint: UInt64
    /// One-time if any resource is one-time.
    public var kind: ConsentKind
    /// The one person who may answer for the organisation in `offeredBy`
    /// (Altinn 3's `requiredDelegator`), when the consumer named one.
    public var requiredDelegator: NationalIdentityNumber?
    /// The purpose in other languages (each trimmed, 1 to 1,000 characters), if the consumer gave them.
    public var purposeTexts: LocalizedText

    public init(id: RequestID, consumer: OrganisationNumber, offeredBy: PartyID?, grants: [ResourceGrant],
                redirectURL: String, validTo: Timestamp, answerBy: Timestamp, language: Language?,
                purpose: String, userToken: SHA256Digest?, idempotencyKey: String?, fingerprint: UInt64,
                kind: ConsentKind, requiredDelegator: NationalIdentityNumber? = nil,
                purposeTexts: LocalizedText = LocalizedText(bokmal: nil)) {
        self.purposeTexts = purposeTexts
        self.requiredDelegator = requiredDelegator
        self.id = id
        self.consumer = consumer
        self.offeredBy = offeredBy
        self.grants = grants
        self.redirectURL = redirectURL
        self.validTo = validTo
        self.answerBy = answerBy
        self.language = language
        self.purpose = purpose
        self.userToken = userToken
        self.idempotencyKey = idempotencyKey
        self.fingerprint = fingerprint
        self.kind = kind
    }
}

/// The facts of an acceptance.
public struct RequestAccepted: Hashable, Sendable {
    public var id: RequestID
    /// The party the consent is given for (the request's `OfferedBy`, or who answered an open request).
    public var party: PartyID
    /// SHA-256 of the authorization code.
    public var codeHash: CodeHash
    /// When the code stops working.
    public var codeExpiresAt: Timestamp
    /// For a consent given for an organisation: the roles in it by which the
    /// person answered (those the resources accept; all they hold when no
    /// resource names an authority). Empty for a person's own consent.
    public var authority: [RoleCode]
    /// The language the person read the page in, if the portal said.
    public var language: Language?

    public init(id: RequestID, party: PartyID, codeHash: CodeHash, codeExpiresAt: Timestamp, authority: [RoleCode] = [],
                language: Language? = nil) {
        self.language = language
        self.authority = authority
        self.id = id
        self.party = party
        self.codeHash = codeHash
        self.codeExpiresAt = codeExpiresAt
    }
}

/// The facts of a use.
public struct ConsentUse: Hashable, Sendable {
    public var id: RequestID
    public var resource: ResourceID
    /// When the data was fetched, as reported.
    public var usedAt: Timestamp

    public init(id: RequestID, resource: ResourceID, usedAt: Timestamp) {
        self.id = id
        self.resource = resource
        self.usedAt = usedAt
    }
}
