/// Options of one call made by a client.
public struct CallOptions: Sendable {
    /// How long the client waits; sent to the server as remaining milliseconds.
    public var timeout: Duration?
    public var metadata: Metadata

    public init(timeout: Duration? = nil, metadata: Metadata = Metadata()) {
        self.timeout = timeout
        self.metadata = metadata
    }
}

/// A started client call, for cancelling it.
public protocol ClientCallHandle: Sendable {
    /// Sends `Cancel`; the call then ends with `CANCELLED` unless its answer is already in.
    func cancel()
}

/// A way to make calls: over TLS to a consentd (ConsentClient), or in process
/// straight to a dispatcher (tests). Typed clients are built on top.
public protocol ClientTransport: Sendable {
    /// Starts a call.
    /// - Parameters:
    ///   - onMessage: each `StreamMessage` of a server-streaming call, in order.
    ///   - onFinish: exactly once, with the final status (also for local
    ///     failures: deadline passed, connection lost → UNAVAILABLE).
    func startCall(
        method: String,
        payload: [UInt8],
        options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void,
        onFinish: @escaping @Sendable (CallResult) -> Void
    ) -> any ClientCallHandle
}
