/// One line of the user's list of consents ("Se/trekk samtykke", seed 002).
public struct ConsentSummary: Hashable, Sendable {
    /// The consent (request) id.
    public var id: RequestID
    /// The status now.
    public var status: ConsentStatus
    /// The status in words, in the asked language ("Aktiv", "Trukket", …).
    public var statusText: String
    /// The consumer.
    public var consumer: OrganisationNumber
    /// The consumer's name.
    public var consumerName: String
    /// The titles of the resources, in the asked language (falling back to Bokmål).
    public var resourceTitles: [String]
    /// Whether it is a one-time consent.
    public var isOneTime: Bool
    /// When it was asked for.
    public var createdAt: Timestamp
    /// When it was answered.
    public var decidedAt: Timestamp?
    /// When it ends.
    public var validTo: Timestamp
    /// When it ended early (withdrawn, used up).
    public var endedAt: Timestamp?
    /// Whether the user can withdraw it now.
    public var canRevoke: Bool
}

/// One line of the Samtykkelogg (seed 002), e.g.
/// `25.10.2017  Samtykke gitt  BANKEN AS fikk samtykke fra HÅKON TRANA (Opphører 30.10.2017 10:30:00)`.
public struct ConsentLogLine: Hashable, Sendable {
    /// What the line records.
    public enum Kind: Hashable, Sendable {
        /// "Samtykke gitt".
        case given
        /// "Samtykke avslått".
        case rejected
        /// "Samtykke benyttet".
        case used
        /// "Samtykke trukket".
        case revoked
        /// "Samtykke avsluttet": the consumer ended a consent it no longer needed.
        case ended
        /// "Samtykke utløpt".
        case expired
    }

    /// The consent.
    public var consentID: RequestID
    /// What happened.
    public var kind: Kind
    /// When it happened.
    public var time: Timestamp
    /// The date column, Oslo time: `25.10.2017`.
    public var date: String
    /// The event column: `Samtykke gitt`.
    public var title: String
    /// The description column.
    public var text: String
}
