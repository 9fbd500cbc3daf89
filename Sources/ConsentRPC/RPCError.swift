/// A call that did not succeed: the status code and message that travel in the
/// `Response` frame, plus an optional cause that stays on this side.
///
/// Domain and storage errors are converted to an `RPCError` at one boundary
/// (the service handlers); an unexpected error becomes `INTERNAL` there and its
/// text goes to the server log, never on the wire.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Extra key/values sent with the status (e.g. a machine-readable reason).
    public var trailers: Metadata
    /// What went wrong underneath, for logs. Never sent to the peer.
    public var cause: (any Error & Sendable)?

    public init(_ code: StatusCode, _ message: String, trailers: Metadata = Metadata(), cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.trailers = trailers
        self.cause = cause
    }

    public var description: String { message.isEmpty ? code.name : "\(code.name): \(message)" }
}

/// How a call ended, as the client sees it or the server sends it.
public struct CallResult: Sendable {
    public var code: StatusCode
    public var message: String
    /// The serialized response of a unary call when `code` is OK; empty otherwise.
    public var payload: [UInt8]
    public var trailers: Metadata

    public init(code: StatusCode, message: String = "", payload: [UInt8] = [], trailers: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.payload = payload
        self.trailers = trailers
    }

    public static func success(_ payload: [UInt8]) -> CallResult {
        CallResult(code: .ok, payload: payload)
    }

    public init(_ error: RPCError) {
        self.init(code: error.code, message: error.message, trailers: error.trailers)
    }

    /// The error this result stands for, or nil when it is OK.
    public var error: RPCError? {
        code == .ok ? nil : RPCError(code, message, trailers: trailers)
    }
}
