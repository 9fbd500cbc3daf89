/// The whole domain state of the hub, built only by applying events.
///
/// Commands go through ``decide(_:by:at:using:)`` (validate, produce events)
/// and ``apply(_:)`` (change the state); reads are methods that take the asking
/// actor and check ownership. Rebuilding from the same events always gives an
/// equal state (``==``), and so does a snapshot followed by the later events.
///
/// Memory, roughly, per consent (request) in the common loan flow of four events
/// (created, accepted, code exchanged, used): the record 112 bytes, the id index
/// ~40, four logged events 4 × 24 = 96, the feed indexes 4 × 8 = 32, the party
/// list ~20, the deadline heap ~16 to 32: about 320 bytes. Strings (redirect
/// URLs, purposes) and resource sets with their metadata are interned, so
/// consents that share them pay four bytes each. Codes (~100 bytes each) are
/// kept only until an hour after they expire. Each extra use adds about 32
/// bytes. Measured (200,000 loan-flow consents restored from a snapshot, codes
/// still held): 322 bytes of resident memory per consent. Issue 12 added
/// nothing per consent (the vendor fits the record's padding; limits live in
/// the interned resource sets; statistics are per resource per day), except
/// 8 bytes (~24 in its table) for a consent with a daily limit once used.
///
/// A value type: copying is cheap until one copy is changed (then the changed
/// tables are copied), so keep one instance and mutate it in place.
public struct ConsentState: Sendable, Equatable {
    /// Settings for new decisions; not part of the state's identity or snapshot.
    public var configuration: ConsentConfiguration
    var tables: Tables

    /// An empty state.
    public init(configuration: ConsentConfiguration = ConsentConfiguration()) {
        self.configuration = configuration
        self.tables = Tables()
    }

    /// The sequence number of the last applied event (0 when none).
    public var lastSequence: UInt64 { tables.lastSequence }

    /// The number of requests (and consents) ever created.
    public var requestCount: Int { tables.records.count }

    /// Reserves room before a replay whose size is known (e.g. from the log's
    /// length), so that tables are not regrown and rehashed on the way — faster,
    /// and without the slack that doubling leaves.
    /// - Parameters:
    ///   - requests: the number of requests expected.
    ///   - events: the number of events expected.
    public mutating func reserveCapacity(requests: Int, events: Int) {
        tables.records.reserveCapacity(requests)
        tables.slotByID.reserveCapacity(requests, in: tables.records)
        tables.lastSlotByParty.reserveCapacity(requests)
        tables.log.reserveCapacity(events)
    }

    /// Two states are equal when their contents are equal; configuration is ignored.
    public static func == (lhs: ConsentState, rhs: ConsentState) -> Bool {
        lhs.tables == rhs.tables
    }
}

/// Everything the state holds. Internal so that its layout can change freely.
struct Tables: Sendable, Equatable {
    var lastSequence: UInt64 = 0

    // MARK: Registry
    /// Every version of every resource, oldest first; the last is in force.
    var resources: [ResourceID: [Resource]] = [:]
    var authorisations: [ResourceID: [UInt32: ConsumerAuthorisation]] = [:]
    /// The latest name each consumer was authorised under.
    var consumerNames: [UInt32: String] = [:]
    var registryLog: [RegistryLogEntry] = []
    /// Who may act for each consumer: consumer → vendor → authorisation.
    var vendors: [UInt32: [UInt32: VendorAuthorisation]] = [:]
    /// The subjects of vendor (de)authorisation events.
    var vendorLog: [VendorLogEntry] = []

    // MARK: Interned values
    var strings = Interner<ExactText>()
    var scopes = Interner<[ResourceGrant]>()
    /// The distinct owners of each scope's resources, parallel to ``scopes`` (derived).
    var scopeOwners: [[UInt32]] = []

    // MARK: Requests and consents
    var records: [RequestRecord] = []
    /// Request id → slot in ``records`` (derived: rebuilt from the records on load).
    var slotByID = SlotIndex()
    /// The most recently linked slot of each party (``PartyID/key``); the list runs back through ``RequestRecord/previousOfParty``.
    var lastSlotByParty: [UInt64: UInt32] = [:]
    var idempotency: [IdempotencyKey: IdempotencyEntry] = [:]
    /// `UserToken` digests of requests not yet answered.
    var pendingUserTokens: [UInt32: SHA256Digest] = [:]
    /// Requests still `created` (unanswered, no expiry recorded) per consumer,
    /// for the open-request quota. Derived: rebuilt from `records` after a snapshot.
    var openRequestsByConsumer: [UInt32: Int] = [:]

    // MARK: Codes
    var codes: [CodeHash: CodeEntry] = [:]
    /// Codes in the order they were issued, for forgetting them a day after they expire.
    var codeQueue = FIFO<CodeHash>()

    // MARK: Events
    var log: [LoggedEvent] = []
    var feedByConsumer: [UInt32: [UInt32]] = [:]
    var feedByDataSource: [UInt32: [UInt32]] = [:]

    // MARK: Expiry
    var deadlines = DeadlineHeap()

    // MARK: Limits and statistics (issue 12)
    /// The latest day's use count of each consent resource that has a daily
    /// limit and has been used: nothing for the others.
    var dailyUses: [UInt64: DailyUses] = [:]
    /// Given, rejected, withdrawn, ended and used, per resource per Norwegian day.
    var statistics: [StatisticsKey: StatisticsCounts] = [:]

    // MARK: Organisation authority (issue 12, point 3)
    /// The one person who may answer, for the few requests whose consumer named
    /// one: a side table, so the other consents pay nothing for it.
    var requiredDelegators: [RequestID: NationalIdentityNumber] = [:]
    /// The roles by which a person answered for an organisation (accepted or
    /// rejected), for the Samtykkelogg and the consumer's view; only answers
    /// for organisations where the person holds a role have an entry.
    var answerAuthorities: [RequestID: [RoleCode]] = [:]
    /// The consumer's purpose in other languages, for the requests that have them (issue 12, point 4).
    var purposeTexts: [RequestID: LocalizedText] = [:]
    /// Every version of every consent template, oldest first (id → versions; point 4).
    var templates: [String: [ConsentTemplate]] = [:]
    /// The template version each request was created under, for the requests
    /// whose resources name a template: a side table, the others pay nothing.
    var requestTemplates: [RequestID: TemplatePin] = [:]
}

/// The uses of one consent resource on the latest day it was used (``Tables/dailyUses``).
struct DailyUses: Hashable, Sendable {
    /// ``OsloTime/day(of:)``, in 32 bits: the entry is 8 bytes.
    var day: Int32
    var count: UInt32

    /// The table's key: the consent's slot and the resource's position in its scope.
    static func key(slot: UInt32, position: UInt8) -> UInt64 {
        UInt64(slot) << 8 | UInt64(position)
    }
}
