import ConsentRPC

/// A refusal that the ledger recorded as an event (a second exchange of an
/// authorization code writes `codeReuseAttempted`): like a success, it is
/// answered only once that event is durable, so a caller is never told of an
/// attempt that a crash could erase from the record. The router looks for it
/// as the `cause` of a handler's `RPCError`.
struct RecordedRefusal: Error, Sendable {
    /// The sequence the answer must be durable up to.
    let durableAfter: UInt64
    /// What the refusal was underneath (the domain error), for logs.
    let underlying: (any Error & Sendable)?
}

extension RPCError {
    /// This error, to be sent once the log is durable up to `sequence`
    /// (at once when `sequence` is 0).
    /// - Parameter sequence: the ledger's `Outcome.durableAfter` of the command
    ///   that recorded the refusal.
    public func answered(afterDurable sequence: UInt64) -> RPCError {
        guard sequence > 0 else { return self }
        var error = self
        error.cause = RecordedRefusal(durableAfter: sequence, underlying: cause)
        return error
    }
}
