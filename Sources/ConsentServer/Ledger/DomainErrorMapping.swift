import ConsentCore
import ConsentRPC

/// The one place where a domain refusal becomes what the caller sees: the
/// gRPC status of the same name, the domain's message, and its stable reason
/// in the trailer `x-consent-reason` so programs need not parse messages.
public enum DomainErrorMapping {
    public static let reasonKey = ErrorTrailers.reason

    public static func statusCode(_ code: DomainError.Code) -> StatusCode {
        switch code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .permissionDenied: .permissionDenied
        case .failedPrecondition: .failedPrecondition
        case .alreadyExists: .alreadyExists
        case .outOfRange: .outOfRange
        case .unauthenticated: .unauthenticated
        case .resourceExhausted: .resourceExhausted
        }
    }
}

extension RPCError {
    /// A domain refusal as an RPC error (see `DomainErrorMapping`).
    public init(_ error: DomainError) {
        var trailers: Metadata = [DomainErrorMapping.reasonKey: error.reason]
        if let retry = error.retryAfterMilliseconds { trailers.add(ErrorTrailers.retryAfterMilliseconds, String(retry)) }
        self.init(DomainErrorMapping.statusCode(error.code), error.message, trailers: trailers, cause: error)
    }
}
