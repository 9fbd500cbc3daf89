/// What ``ConsentState/decide(_:by:at:using:)`` concluded: the events to append
/// and the answer for the caller.
///
/// Usually either there are events and the result is a success, or `decide`
/// threw. Some refusals must still be recorded (a second exchange of the same
/// code writes a `codeReuseAttempted` event), so a decision can carry events
/// together with a failure; and batch commands carry one result per item.
///
/// - Important: the caller appends ``events`` durably and applies them to the
///   state (in order) before deciding the next command; then answers with ``result``.
public struct Decision: Sendable {
    /// The events to append and apply, in order; their sequence numbers are
    /// the ones the state will assign when they are applied next.
    public var events: [Event]
    /// The answer: what the command produced, or why it was refused.
    public var result: Result<CommandResult, DomainError>

    /// Creates a decision.
    public init(events: [Event], result: Result<CommandResult, DomainError>) {
        self.events = events
        self.result = result
    }

    /// The result, or the refusal thrown.
    /// - Throws: the refusal, when ``result`` is a failure.
    public func get() throws(DomainError) -> CommandResult {
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }
}

/// What a command produced.
public enum CommandResult: Hashable, Sendable {
    /// The resource as registered (or as it already was).
    case resource(Resource)
    /// The authorisation as stored (or as it already was).
    case authorisation(ConsumerAuthorisation)
    /// The template version in force after a registration.
    case template(ConsentTemplate)
    /// The authorisation is gone (or was not there).
    case deauthorised(resource: ResourceID, consumer: OrganisationNumber)
    /// The request, as created or found again by its idempotency key.
    case request(RequestView)
    /// The answer to an accept or reject, with the redirect back to the consumer.
    case answer(ConsentAnswer)
    /// The consent after a revoke.
    case revoked(RequestView)
    /// The request after a delete.
    case deleted(RequestView)
    /// The vendor authorisation as stored (or as it already was).
    case vendorAuthorisation(VendorAuthorisation)
    /// The vendor may no longer act for the consumer (or never could).
    case vendorDeauthorised(consumer: OrganisationNumber, vendor: OrganisationNumber)
    /// The facts a token needs, after a code exchange.
    case tokenFacts(TokenFacts)
    /// One result per code, in order.
    case tokenFactsBatch([Result<TokenFacts, DomainError>])
    /// A recorded use.
    case used(UseReceipt)
    /// One result per use, in order.
    case usedBatch([Result<UseReceipt, DomainError>])
    /// The number of requests and consents marked expired.
    case expired(count: Int)
}

/// A recorded use.
public struct UseReceipt: Hashable, Sendable {
    /// The consent.
    public var consent: RequestID
    /// The resource used.
    public var resource: ResourceID
    /// When the data was fetched.
    public var usedAt: Timestamp
    /// Whether this use ended a one-time consent ("Engangssamtykke er nå opphørt").
    public var endedConsent: Bool

    /// Creates a receipt.
    public init(consent: RequestID, resource: ResourceID, usedAt: Timestamp, endedConsent: Bool) {
        self.consent = consent
        self.resource = resource
        self.usedAt = usedAt
        self.endedConsent = endedConsent
    }
}
