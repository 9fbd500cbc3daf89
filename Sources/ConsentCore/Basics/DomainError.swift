/// A refusal by the domain: what rule was broken, in words for a machine and for a person.
///
/// The server maps ``Code`` to a gRPC status code by name (`invalidArgument` →
/// `INVALID_ARGUMENT`, …), sends ``message`` as the status message and
/// ``reason`` as a trailer, so that clients can branch on a stable string.
///
/// - Important: a message never contains a national identity number, because
///   status messages end up in logs. Organisation numbers are fine: they are public.
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The class of refusal; each case has the gRPC status code of the same name.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// The input is malformed, whatever the state (a bad org number, a non-https URL).
        case invalidArgument
        /// The thing named does not exist (an unknown resource, request or code).
        case notFound
        /// The caller may not do this to this thing (someone else's consent).
        case permissionDenied
        /// The thing exists but is in the wrong state (accepting a rejected request).
        case failedPrecondition
        /// The thing exists already in a form that conflicts (a reused idempotency key).
        case alreadyExists
        /// A value is outside its allowed range (a validity end in the past).
        case outOfRange
        /// The logged-in person is not the one the request names; log in again.
        case unauthenticated
        /// A limit was hit (a batch too large).
        case resourceExhausted
    }

    /// The class of refusal.
    public let code: Code
    /// A stable, machine-readable reason in snake case, e.g. `redirect_not_https`.
    public let reason: String
    /// A clear English sentence saying what was wrong and, where useful, what to do.
    public let message: String
    /// For a quota (`resourceExhausted`): how long to wait before trying again.
    public let retryAfterMilliseconds: Int?

    /// Creates an error. Prefer the named constructors (`DomainError.redirectNotHTTPS(…)`),
    /// which keep reasons and messages consistent.
    public init(_ code: Code, reason: String, message: String, retryAfterMilliseconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    public var description: String {
        "\(code.rawValue) (\(reason)): \(message)"
    }
}
