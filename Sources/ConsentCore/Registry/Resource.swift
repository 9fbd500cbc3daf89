/// A consent resource (samtykketjeneste): what a person can consent to share,
/// defined by the data source that owns the data (seed 001: "Tjenesteeier, som
/// har datakilden, lager tjenesten som benyttes for å gi samtykke").
///
/// Texts are templates with placeholders in braces (see ``Placeholder``), e.g.
/// `Ved å samtykke gir du {CoveredByName} rett til …`; they are rendered on read,
/// never stored per consent.
public struct Resource: Hashable, Sendable {
    /// The id, e.g. `5252_1`.
    public var id: ResourceID
    /// The data source that owns the resource; only it (or an admin) may change it.
    public var owner: OrganisationNumber
    /// The data source's name as shown to the user, e.g. `NAV`.
    public var ownerName: String
    /// The title shown on the consent page and in the user's list.
    public var title: LocalizedText
    /// The consent text template (at most 1,000 characters per language).
    public var text: LocalizedText
    /// Metadata the consumer must (or may) supply with each request, e.g. `fraOgMed`.
    public var metadata: [MetadataField]
    /// Date pairs that must be in order, e.g. `fraOgMed` ≤ `tilOgMed`.
    public var dateRanges: [DateRange]
    /// One-time (engangssamtykke) or valid until a date.
    public var kind: ConsentKind
    /// How far ahead a consent's validity may end, counted from the request's creation.
    public var maximumValidity: MaximumValidity
    /// The login level needed to consent (NAV: 4, seed 003).
    public var requiredAssuranceLevel: AssuranceLevel
    /// How many uses per day (Norwegian calendar day) a consent allows for this
    /// resource (Berlin Group's `frequencyPerDay`); nil for no limit. A request
    /// may lower it, never raise it.
    public var usesPerDay: UInt32?
    /// The authority needed to consent for an organisation (Altinn 3's
    /// authority per resource): the person must hold at least one of these
    /// roles in it, as the portal states them. Empty: whoever the portal says
    /// may sign for the organisation. Sorted, without repeats once registered.
    public var organisationAuthority: [RoleCode]
    /// What a consent to this resource lets the consumer do beyond reading
    /// (issue 12, seed 002: an action on the person's behalf, e.g.
    /// `submit-application`), carried after `consent` in the token's
    /// `consentRights.action`. Empty: reading only.
    public var actions: [String]
    /// The id of its data source's consent template (issue 12, point 4) whose
    /// heading, intro, expiry text and log line the page and the Samtykkelogg
    /// use; nil for the hub's own texts.
    public var consentTemplate: String?

    /// Creates a resource definition.
    public init(id: ResourceID, owner: OrganisationNumber, ownerName: String,
                title: LocalizedText, text: LocalizedText,
                metadata: [MetadataField] = [], dateRanges: [DateRange] = [],
                kind: ConsentKind, maximumValidity: MaximumValidity,
                requiredAssuranceLevel: AssuranceLevel, usesPerDay: UInt32? = nil,
                organisationAuthority: [RoleCode] = [], actions: [String] = [], consentTemplate: String? = nil) {
        self.consentTemplate = consentTemplate
        self.organisationAuthority = organisationAuthority
        self.actions = actions
        self.id = id
        self.owner = owner
        self.ownerName = ownerName
        self.title = title
        self.text = text
        self.metadata = metadata
        self.dateRanges = dateRanges
        self.kind = kind
        self.maximumValidity = maximumValidity
        self.requiredAssuranceLevel = requiredAssuranceLevel
        self.usesPerDay = usesPerDay
    }

    /// The declared field for a metadata key, if any.
    public func field(_ key: String) -> MetadataField? {
        metadata.first { $0.key == key }
    }
}

/// A metadata key a resource asks for, with its format.
public struct MetadataField: Hashable, Sendable {
    /// The key, letters and digits, e.g. `fraOgMed` (Altinn-2 parameter `5252_1_fraOgMed`).
    public var key: String
    /// How the value is written.
    public var format: MetadataFormat
    /// Whether every request must carry it.
    public var isRequired: Bool

    /// Creates a field.
    public init(key: String, format: MetadataFormat, isRequired: Bool = true) {
        self.key = key
        self.format = format
        self.isRequired = isRequired
    }
}

/// The format of a metadata value.
public enum MetadataFormat: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// `dd.mm.yyyy`, a real calendar date (seed 004: `5252_1_fraOgMed`).
    case date = 1
    /// `yyyy`, e.g. an income year.
    case year = 2
    /// Free text, at most 1,000 characters.
    case text = 3

    public var description: String {
        switch self {
        case .date: return "date (dd.mm.yyyy)"
        case .year: return "year (yyyy)"
        case .text: return "text"
        }
    }
}

/// Two date fields that must be in order: `from` on or before `to`.
public struct DateRange: Hashable, Sendable {
    /// The key of the first date, e.g. `fraOgMed`.
    public var fromKey: String
    /// The key of the last date, e.g. `tilOgMed`.
    public var toKey: String

    /// Creates a range.
    public init(fromKey: String, toKey: String) {
        self.fromKey = fromKey
        self.toKey = toKey
    }
}

/// Whether a consent works once or until its end date.
public enum ConsentKind: UInt8, Hashable, Sendable {
    /// Engangssamtykke: ends at its first use and cannot be withdrawn.
    case oneTime = 1
    /// Valid until its end date, usable many times, withdrawable.
    case timeLimited = 2
}

/// The longest validity a resource allows.
public enum MaximumValidity: Hashable, Sendable, CustomStringConvertible {
    /// A number of days.
    case days(Int)
    /// A number of calendar years, Oslo time (NAV: three, seed 003 "Samtykket gjelder i tre år").
    case years(Int)

    /// The latest allowed end of validity for a request created at `start`.
    public func latestEnd(from start: Timestamp) -> Timestamp {
        switch self {
        case .days(let n):
            return start.adding(milliseconds: Int64(n) * 86_400_000)
        case .years(let n):
            var local = OsloTime.local(start)
            local.year += n
            local.day = min(local.day, CivilTime.daysIn(month: local.month, year: local.year))
            return OsloTime.instant(of: local)
        }
    }

    /// Whether the limit is at least a day and at most ten years.
    var isSensible: Bool {
        switch self {
        case .days(let n): return (1...3653).contains(n)
        case .years(let n): return (1...10).contains(n)
        }
    }

    public var description: String {
        switch self {
        case .days(let n): return n == 1 ? "1 day" : "\(n) days"
        case .years(let n): return n == 1 ? "1 year" : "\(n) years"
        }
    }
}
