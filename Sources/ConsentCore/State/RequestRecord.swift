/// A request and the consent it becomes, as held in memory: fixed-size fields
/// only, strings and resource sets interned: 112 bytes (``handledBy`` took
/// the four bytes of padding the other fields left). (Who answered is in the
/// event's actor; only the display name is kept, for the Samtykkelogg, and a
/// name of up to 15 bytes is stored inline.)
struct RequestRecord: Hashable, Sendable {
    static let none: Int64 = .min
    static let noSlot: UInt32 = .max

    var id: RequestID
    var createdAt: Int64
    var answerBy: Int64
    var validTo: Int64
    /// When the user answered, or ``none``.
    var decidedAt: Int64 = RequestRecord.none
    /// When the consent ended early (revoked, used up, marked expired), or ``none``.
    var endedAt: Int64 = RequestRecord.none
    /// ``PartyID/key`` of whose consent it is; 0 while an open request is unanswered.
    var offeredBy: UInt64
    /// The answering person's display name, for the Samtykkelogg.
    var signerName: String?
    var consumer: UInt32
    /// The vendor that created the request for its consumer (Altinn 3's `handledBy`), 0 for none.
    var handledBy: UInt32 = 0
    /// Index into ``Tables/scopes``.
    var scope: UInt32
    /// Index into ``Tables/strings``.
    var redirect: UInt32
    /// Index into ``Tables/strings``.
    var purpose: UInt32
    /// Index into ``Tables/log`` of the last event about this request.
    var lastEvent: UInt32 = RequestRecord.noSlot
    /// The slot linked before this one in the list of the same party.
    var previousOfParty: UInt32 = RequestRecord.noSlot
    /// The stored status; `created` and `accepted` turn into `expired` on read when their deadline passes.
    var stored: ConsentStatus = .created
    /// Two ``Language`` raw values in one byte (0 for none): the low four
    /// bits the request's language, the high four the language the person
    /// answered in (issue 12; the record has no spare byte).
    var language: UInt8

    /// The language the consumer asked the page to be in.
    var requestLanguage: Language? { Language(rawValue: language & 0x0F) }

    /// The language the person read the page in when they answered.
    var answerLanguage: Language? {
        get { Language(rawValue: language >> 4) }
        set { language = (language & 0x0F) | ((newValue?.rawValue ?? 0) << 4) }
    }
    var kind: ConsentKind
    /// Whether the record is linked into its party's list.
    var linked: Bool = false

    /// The status at an instant (expiry computed on read).
    func status(at now: Int64) -> ConsentStatus {
        switch stored {
        case .created: return now >= answerBy ? .expired : .created
        case .accepted: return now >= validTo ? .expired : .accepted
        default: return stored
        }
    }

    var party: PartyID? { PartyID(key: offeredBy) }
}

/// An event as held in memory for the feed and the Samtykkelogg: 24 bytes.
/// Its index in ``Tables/log`` is its sequence number minus one.
struct LoggedEvent: Hashable, Sendable {
    var time: Int64
    /// A request slot, or an index into ``Tables/registryLog`` for registry events.
    var subject: UInt32
    /// The previous event about the same request (a backwards list), or ``RequestRecord/noSlot``.
    var previous: UInt32
    /// The organisation number of an organisation actor, 0 otherwise.
    var actorOrg: UInt32
    var kind: EventKind
    /// ``ActorRole`` raw value.
    var role: UInt8
    /// For `consentUsed`: the position of the used resource in the consent's scope.
    var detail: UInt8
}

/// The role of an actor, stored per event.
enum ActorRole: UInt8 {
    case consumer = 0, dataSource = 1, endUser = 2, admin = 3, system = 4
    /// The portal submitting a consumer's Altinn-2 query (``Actor/portal(_:)``).
    case portal = 5
    /// A vendor acting for a consumer (``Actor/vendor(_:for:)``); the event's
    /// `actorOrg` is the vendor, the consumer is the request's.
    case vendor = 6

    /// A consumer acting on its own requests and consents, itself or through a vendor.
    var isConsumerSide: Bool { self == .consumer || self == .vendor }

    init(_ actor: Actor) {
        switch actor {
        case .consumer: self = .consumer
        case .dataSource: self = .dataSource
        case .endUser: self = .endUser
        case .admin: self = .admin
        case .system: self = .system
        case .portal: self = .portal
        case .vendor: self = .vendor
        }
    }
}

/// A vendor (de)authorisation event's subject.
struct VendorLogEntry: Hashable, Sendable {
    var consumer: UInt32
    var vendor: UInt32
}

/// A registry event's subject.
struct RegistryLogEntry: Hashable, Sendable {
    var resource: ResourceID
    /// The consumer (de)authorised, 0 for a resource registration.
    var consumer: UInt32
}

/// An authorization code, by hash.
struct CodeEntry: Hashable, Sendable {
    var slot: UInt32
    var expiresAt: Int64
    var exchanged: Bool
}

/// An idempotency key: per consumer, stored as a stable 64-bit hash.
struct IdempotencyKey: Hashable, Sendable {
    var consumer: UInt32
    var keyHash: UInt64
}

struct IdempotencyEntry: Hashable, Sendable {
    var slot: UInt32
    var fingerprint: UInt64
}
