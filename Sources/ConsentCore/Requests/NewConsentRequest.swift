/// A consumer's request for consent (samtykkeforespørsel), as it arrives:
/// structured, or parsed from an Altinn-2 query string
/// (``init(altinnQuery:coveredBy:idempotencyKey:)``).
///
/// The consumer (covered-by, `CoveredBy`) is not a field: it is always the
/// calling organisation, taken from its certificate.
public struct NewConsentRequest: Hashable, Sendable {
    /// The resources asked for, each with its metadata (`Resources`, `5252_1_fraOgMed`, …).
    public var resources: [ResourceRequest]
    /// Whose consent is asked for (`OfferedBy`); `nil` lets whoever logs in answer for themselves.
    public var offeredBy: PartyID?
    /// Where the user is sent back to (`RedirectUrl`): https, on a registered domain.
    public var redirectURL: String
    /// When the consent ends (`ValidToDate`).
    public var validTo: Timestamp
    /// The language of the consent page (`LanguageCode`); `nil` for the user's own choice.
    public var language: Language?
    /// What the data will be used for (`DelegationContext`), at most 1,000 characters.
    public var purpose: String
    /// Hex SHA-256 of the expected user's national id (`UserToken`), compared ignoring case.
    public var userToken: String?
    /// A consumer-chosen key that makes a retried create return the same request.
    public var idempotencyKey: String?
    /// How many uses per day the consent allows (Berlin Group's
    /// `frequencyPerDay`), for each resource; at most each resource's own
    /// limit. Nil: the resources' limits, if any.
    public var usesPerDay: UInt32?
    /// The one person who may answer (Altinn 3's `requiredDelegator`), for a
    /// request offered by an organisation: nobody else who may sign for it may.
    public var requiredDelegator: NationalIdentityNumber?
    /// The purpose in the languages the consumer writes it in (issue 12): the
    /// page shows the one in the person's language, else `purpose`.
    public var purposeTexts = LocalizedText(bokmal: nil)

    /// Creates a request.
    public init(resources: [ResourceRequest], offeredBy: PartyID? = nil, redirectURL: String,
                validTo: Timestamp, language: Language? = nil, purpose: String,
                userToken: String? = nil, idempotencyKey: String? = nil, usesPerDay: UInt32? = nil,
                requiredDelegator: NationalIdentityNumber? = nil) {
        self.requiredDelegator = requiredDelegator
        self.resources = resources
        self.offeredBy = offeredBy
        self.redirectURL = redirectURL
        self.validTo = validTo
        self.language = language
        self.purpose = purpose
        self.userToken = userToken
        self.idempotencyKey = idempotencyKey
        self.usesPerDay = usesPerDay
    }
}

/// One resource of a request, with the metadata values the consumer supplies.
public struct ResourceRequest: Hashable, Sendable {
    /// The resource.
    public var resource: ResourceID
    /// The values, in any order; each key at most once.
    public var metadata: [MetadataValue]

    /// Creates a resource request.
    public init(_ resource: ResourceID, metadata: [MetadataValue] = []) {
        self.resource = resource
        self.metadata = metadata
    }
}

/// A metadata key and its value, e.g. `fraOgMed` = `01.01.2020`.
///
/// Compared and hashed by exact UTF-8 bytes (not Unicode canonical
/// equivalence): a value is what the token will carry, byte for byte.
public struct MetadataValue: Hashable, Sendable {
    /// The key as the resource declares it.
    public var key: String
    /// The value as written (dates stay `dd.mm.yyyy`, the form tokens carry).
    public var value: String

    /// Creates a value.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    public func hash(into hasher: inout Hasher) {
        hashUTF8(key, into: &hasher)
        hashUTF8(value, into: &hasher)
    }

    public static func == (lhs: MetadataValue, rhs: MetadataValue) -> Bool {
        sameUTF8(lhs.key, rhs.key) && sameUTF8(lhs.value, rhs.value)
    }
}

/// A resource as granted by a consent: the id, the version of the resource
/// definition whose texts the user saw, and the validated metadata in the
/// order the resource declares its keys.
public struct ResourceGrant: Hashable, Sendable {
    /// The resource.
    public var resource: ResourceID
    /// The version of the resource definition (1 for the first registration).
    public var version: UInt32
    /// The metadata values.
    public var metadata: [MetadataValue]
    /// The uses per day the consent allows for this resource: the lower of the
    /// request's and the resource's limits, fixed when the request is made; nil for none.
    public var usesPerDay: UInt32?

    /// Creates a grant.
    public init(resource: ResourceID, version: UInt32, metadata: [MetadataValue], usesPerDay: UInt32? = nil) {
        self.resource = resource
        self.version = version
        self.metadata = metadata
        self.usesPerDay = usesPerDay
    }

    /// The value of a key, if present.
    public func value(for key: String) -> String? {
        metadata.first { $0.key == key }?.value
    }
}
