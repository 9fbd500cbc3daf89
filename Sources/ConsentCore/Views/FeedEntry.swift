/// One entry of the events feed (Altinn 3's consent events), for consumers and data sources.
public struct FeedEntry: Hashable, Sendable {
    /// The event's sequence number: pass it as `after` to continue from here.
    public var sequence: UInt64
    /// What happened.
    public var kind: EventKind
    /// When the hub recorded it.
    public var time: Timestamp
    /// The request or consent, for request events.
    public var requestID: RequestID?
    /// The resource: of a registry event, or the one used in a `consentUsed` event.
    public var resource: ResourceID?
    /// The consumer: of the request, or the one (de)authorised.
    public var consumer: OrganisationNumber?
    /// Who did it.
    public var performedBy: Performer
    /// The vendor (de)authorised, in a `vendorAuthorised` / `vendorDeauthorised` event.
    public var vendor: OrganisationNumber?
}

/// Who performed an event, as shown in the feed. End users are not identified
/// here; the consent's `offeredBy` says whose consent it is.
public enum Performer: Hashable, Sendable {
    case consumer(OrganisationNumber)
    case dataSource(OrganisationNumber)
    case endUser
    case admin(OrganisationNumber)
    /// The portal, submitting a consumer's Altinn-2 query for it.
    case portal(OrganisationNumber)
    /// A vendor acting for the event's consumer (Altinn 3's `handledBy`).
    case vendor(OrganisationNumber)
    case system
}

/// A page of the events feed.
public struct EventPage: Hashable, Sendable {
    /// The entries, oldest first.
    public var entries: [FeedEntry]
    /// Pass as `after` to read on. It can be beyond the last entry when events
    /// the caller may not see (or that the filters drop) were skipped.
    public var nextCursor: UInt64
    /// Whether the feed has nothing more now.
    public var reachedEnd: Bool
}
