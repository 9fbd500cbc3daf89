/// Who is calling, as established by the TLS handshake.
public struct PeerIdentity: Sendable, Hashable {
    /// The client certificate's subject `serialNumber` (a Norwegian organisation
    /// number in enterprise certificates) or, when it has none, its `CN`.
    public var principalID: String
    public var commonName: String?
    public var serialNumber: String?
    /// `host:port` of the remote end, for logs.
    public var remoteAddress: String

    public init(principalID: String, commonName: String? = nil, serialNumber: String? = nil, remoteAddress: String = "") {
        self.principalID = principalID
        self.commonName = commonName
        self.serialNumber = serialNumber
        self.remoteAddress = remoteAddress
    }
}

/// A call as the transport hands it to the server's dispatcher.
public struct IncomingCall: Sendable {
    public var method: String
    public var metadata: Metadata
    /// nil when the client set no deadline.
    public var deadline: Deadline?
    /// The serialized request message.
    public var payload: [UInt8]
    public var peer: PeerIdentity

    public init(method: String, metadata: Metadata, deadline: Deadline?, payload: [UInt8], peer: PeerIdentity) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.payload = payload
        self.peer = peer
    }
}

/// The transport side of open calls: a connection implements it once for all
/// of its calls, so answering a call allocates nothing.
///
/// Every method may be called from any thread. On the connection's own event
/// loop the effect is immediate; from elsewhere it is queued to the loop, which
/// is woken. Calls that already ended (answered, cancelled, timed out, or the
/// connection closed) ignore whatever comes later.
public protocol CallSink: AnyObject, Sendable {
    /// Ends the call. Exactly the first `finish` for a call is sent.
    func finish(call: CallToken, result: CallResult)
    /// Sends one message of a server-streaming call.
    /// - Returns: false when the connection's output is over its high-water mark
    ///   or the call has ended; a streaming producer should then wait for
    ///   `onWritable` before sending more.
    func send(call: CallToken, message: [UInt8]) -> Bool
    /// Runs `handler` once if the call ends without the handler finishing it
    /// (client Cancel, deadline, connection closed, server shutdown). Runs at
    /// once if that already happened.
    func onTermination(call: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void)
    /// Runs `handler` once when the connection's output has drained below its
    /// low-water mark (at once if it already is).
    func onWritable(call: CallToken, _ handler: @escaping @Sendable () -> Void)
}

/// Identifies one call on one connection. The id the client chose can be reused
/// once a call ends; `sequence` is never reused on a connection, so a late
/// answer cannot land on a newer call that has the same id.
public struct CallToken: Hashable, Sendable {
    public var callID: UInt32
    public var sequence: UInt64

    public init(callID: UInt32, sequence: UInt64) {
        self.callID = callID
        self.sequence = sequence
    }
}

/// How a handler answers. A value type of two words: copy it freely, including
/// to other threads.
public struct CallResponder: Sendable {
    public let sink: any CallSink
    public let token: CallToken

    public init(sink: any CallSink, token: CallToken) {
        self.sink = sink
        self.token = token
    }

    /// Ends the call with `OK` and the serialized response.
    public func succeed(_ payload: [UInt8]) {
        sink.finish(call: token, result: .success(payload))
    }

    public func fail(_ error: RPCError) {
        sink.finish(call: token, result: CallResult(error))
    }

    public func finish(_ result: CallResult) {
        sink.finish(call: token, result: result)
    }

    /// Sends one message of a server-streaming call; see `CallSink.send`.
    @discardableResult
    public func send(_ message: [UInt8]) -> Bool {
        sink.send(call: token, message: message)
    }

    public func onTermination(_ handler: @escaping @Sendable (StatusCode) -> Void) {
        sink.onTermination(call: token, handler)
    }

    public func onWritable(_ handler: @escaping @Sendable () -> Void) {
        sink.onWritable(call: token, handler)
    }
}

/// The server side above the transport: receives every call, on the event loop
/// of the connection it arrived on. It must not block: work that waits (a disk
/// sync) answers later through the responder.
public protocol CallDispatcher: Sendable {
    func dispatch(_ call: IncomingCall, responder: CallResponder)

    /// Whether `peer` may call at all: nil admits it; a result refuses every
    /// call of the connection with that answer. The transport asks before it
    /// reads anything of a Request (its method, metadata or payload), so the
    /// calls of a certificate the server does not know cost it nothing; it
    /// asks again whenever `admissionEpoch` changes. `dispatch` must still
    /// check on its own: this is the cheap early answer, not the only one.
    func admission(of peer: PeerIdentity) -> CallResult?

    /// Changes whenever `admission(of:)` may answer differently (a reload of
    /// the principals). Read on every Request: keep it a relaxed atomic load.
    var admissionEpoch: UInt64 { get }

    /// Every method name `dispatch` serves. The transport turns a Request's
    /// method bytes into one of these shared strings; a name not listed is
    /// made into a string for that call only, and never kept.
    var methodNames: [String] { get }
}

extension CallDispatcher {
    public func admission(of peer: PeerIdentity) -> CallResult? { nil }
    public var admissionEpoch: UInt64 { 0 }
    public var methodNames: [String] { [] }
}
