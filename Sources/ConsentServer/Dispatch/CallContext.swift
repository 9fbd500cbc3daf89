import ConsentRPC

/// What a handler knows about the call besides its request message.
public struct CallContext: Sendable {
    /// The authenticated caller (from the client certificate and the principals file).
    public let principal: Principal
    public let metadata: Metadata
    public let deadline: Deadline?
    public let peer: PeerIdentity
    /// The full method name, e.g. `/consent.v1.Health/Check`.
    public let method: String

    public init(principal: Principal, metadata: Metadata, deadline: Deadline?, peer: PeerIdentity, method: String) {
        self.principal = principal
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.method = method
    }
}

/// A unary handler's answer, and the log position it depends on.
///
/// A call that changed state, or read state that another call changed, must not
/// be answered before those events are on disk (DESIGN §8): the router holds the
/// answer until the log is durable up to `durableAfter`.
public struct Reply<Response: Sendable>: Sendable {
    public var response: Response
    /// 0 when the answer depends on nothing that could still be lost.
    public var durableAfter: UInt64

    public init(_ response: Response, durableAfter: UInt64 = 0) {
        self.response = response
        self.durableAfter = durableAfter
    }
}

/// Waits for the durable log. The in-memory mode (before the log is enabled)
/// treats everything as durable at once.
public protocol CommitTracker: Sendable {
    /// Runs `completion` once every record up to `sequence` is on disk: at once
    /// if it already is; with an `UNAVAILABLE` error if it never will be.
    func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (Result<Void, RPCError>) -> Void)
}

/// For servers without a durable log (and unit tests): nothing to wait for.
public struct ImmediateCommits: CommitTracker {
    public init() {}
    public func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        completion(.success(()))
    }
}
