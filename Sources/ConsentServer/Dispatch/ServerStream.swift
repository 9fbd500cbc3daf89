import ConsentProto
import ConsentRPC

/// The sending side of a server-streaming call, typed by its message.
public struct ServerStream<Response: ProtoMessage>: Sendable {
    let responder: CallResponder
    let entry: MethodEntry

    /// Sends one message.
    /// - Returns: false when the client is not keeping up (wait for `onWritable`)
    ///   or the call has ended.
    @discardableResult
    public func send(_ message: Response) -> Bool {
        responder.send(message.serializedBytes())
    }

    /// Ends the stream with OK.
    public func finish() {
        entry.record(.ok)
        responder.finish(CallResult(code: .ok))
    }

    public func fail(_ error: RPCError) {
        entry.record(error.code)
        responder.fail(error)
    }

    /// Runs once if the call ends without `finish`/`fail` (cancel, deadline, disconnect, shutdown).
    public func onTermination(_ handler: @escaping @Sendable (StatusCode) -> Void) {
        responder.onTermination(handler)
    }

    public func onWritable(_ handler: @escaping @Sendable () -> Void) {
        responder.onWritable(handler)
    }
}
