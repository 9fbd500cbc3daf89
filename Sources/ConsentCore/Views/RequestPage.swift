/// A page of a consumer's own requests and consents (Altinn 3's consumer list).
public struct RequestPage: Hashable, Sendable {
    /// The requests, oldest first.
    public var requests: [RequestView]
    /// Pass as `after` to read on: the sequence number of the last
    /// `requestCreated` event looked at (requests created later come after it).
    public var nextCursor: UInt64
    /// Whether there is nothing more now.
    public var reachedEnd: Bool
}

/// What a consumer's list shows: every filter is optional.
public struct RequestFilter: Hashable, Sendable {
    /// Only requests whose status now is one of these.
    public var statuses: Set<ConsentStatus>?
    /// Only requests that include this resource.
    public var resource: ResourceID?
    /// Only requests created at or after this time.
    public var createdFrom: Timestamp?
    /// Only requests created before this time.
    public var createdBefore: Timestamp?

    /// Creates a filter; no argument, no filter.
    public init(statuses: Set<ConsentStatus>? = nil, resource: ResourceID? = nil,
                createdFrom: Timestamp? = nil, createdBefore: Timestamp? = nil) {
        self.statuses = statuses
        self.resource = resource
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
    }
}
