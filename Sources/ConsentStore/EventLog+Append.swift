/// The append path: copies records into memory under a short lock and returns.
extension EventLog {
    /// Appends records; they get consecutive sequence numbers, in call order.
    ///
    /// Never blocks on I/O: the records are copied into the pending buffer and
    /// the writer thread is woken if it sleeps. Appends made while a sync is
    /// under way share the next write and sync (group commit).
    ///
    /// - Parameters:
    ///   - records: `(type, payload)` pairs, each payload at most
    ///     ``LogOptions/maxPayloadSize`` bytes (``maxPayloadSize``).
    ///   - completion: runs on the writer thread once every record is on stable
    ///     storage, with the last sequence number; or with
    ///     ``StoreError/unavailable(_:)`` if they never will be (a failed write
    ///     or sync, or a closed log). Keep it cheap: post to your event loop.
    ///     Exceptions: an oversized record fails the whole append at once with
    ///     ``StoreError/invalidArgument(_:)`` on the calling thread, as does an
    ///     append to a closed log; an empty `records` completes once everything
    ///     appended before it is durable.
    /// - Returns: the last sequence number assigned (``appendedSequence`` when
    ///   nothing was assigned).
    /// - Important: the caller decides the order: call `append` in the order
    ///   the events were applied (under the caller's own lock).
    @discardableResult
    public func append<C: Collection>(_ records: C, completion: @escaping AppendCompletion) -> UInt64
    where C.Element == (UInt8, [UInt8]) {
        var bytes = 0
        let limit = core.options.maxPayloadSize
        for (_, payload) in records {
            guard payload.count <= limit else {
                completion(.failure(.invalidArgument("a record payload of \(payload.count) bytes exceeds the maximum of \(limit)")))
                return appendedSequence
            }
            bytes += RecordFormat.headerSize + payload.count
        }
        if bytes == 0 {
            let sequence = appendedSequence
            core.whenDurable(sequence) { completion($0.map { sequence }) }
            return sequence
        }
        guard let last = core.enqueue(records, byteCount: bytes, completion: completion) else {
            completion(.failure(LogCore.closedError))
            return appendedSequence
        }
        return last
    }

    /// Appends one record. See ``append(_:completion:)``.
    @discardableResult
    public func append(type: UInt8, payload: [UInt8], completion: @escaping AppendCompletion) -> UInt64 {
        append(CollectionOfOne((type, payload)), completion: completion)
    }

    /// Says that the caller has appended all it will for now: a batch the
    /// writer holds back for more records (``LogOptions/commitDelay``) is
    /// written at once. An event loop calls it when it goes idle. Cheap (one
    /// atomic increment) when the writer is not waiting.
    public func commitNow() {
        core.commitNow()
    }

    /// Calls `callback` once every record up to `sequence` is on stable
    /// storage: at once (on the calling thread) if it already is, otherwise on
    /// the writer thread. For a read that observed state up to `sequence` and
    /// must not answer before that state is durable.
    ///
    /// Fails with ``StoreError/unavailable(_:)`` if the log has failed or is
    /// closed before `sequence` became durable.
    public func whenDurable(_ sequence: UInt64, _ callback: @escaping DurableCallback) {
        core.whenDurable(sequence, callback)
    }
}

extension EventLog {
    /// The largest record payload `append` takes: a caller can refuse an
    /// oversized change itself instead of meeting `invalidArgument` later.
    public var maxPayloadSize: Int { core.options.maxPayloadSize }
}
