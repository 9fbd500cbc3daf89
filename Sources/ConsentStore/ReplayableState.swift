/// A state that the log can rebuild by replaying records, and that can save and
/// restore itself as a snapshot. The log is generic over it so it can recover
/// the caller's state at open, and build snapshots in the background by
/// replaying durable records into a private instance of its own, never
/// touching the caller's live state.
///
/// The domain (ConsentCore) conforms its state to this; the store never looks
/// inside payloads. (`SendableMetatype`: the snapshot thread creates its own
/// instance from the type.)
public protocol ReplayableState: SendableMetatype {
    /// The empty state, before sequence number 1.
    init()

    /// Restores a state from bytes made by ``encodeSnapshot()``.
    /// - Throws: anything; the log then falls back to an older snapshot or to
    ///   a full replay, and logs the reason.
    init(snapshot: [UInt8]) throws

    /// The same from bytes the caller holds (a mapped snapshot file), valid
    /// only during the call; the default copies them into an array. A state
    /// that decodes in place saves copying the whole snapshot at restart.
    init(snapshotBytes: UnsafeRawBufferPointer) throws

    /// Applies one record, in sequence order.
    /// - Parameters:
    ///   - recordType: the type byte given to `append`.
    ///   - payload: the payload; valid only during the call.
    ///   - sequence: the record's sequence number (LSN).
    /// - Throws: anything; recovery then stops with ``StoreError/replayFailed(file:sequence:reason:)``.
    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws

    /// Encodes the whole state for a snapshot.
    func encodeSnapshot() -> [UInt8]
}

extension ReplayableState {
    public init(snapshotBytes: UnsafeRawBufferPointer) throws {
        try self.init(snapshot: Array(snapshotBytes))
    }
}
