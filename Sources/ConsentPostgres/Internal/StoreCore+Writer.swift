import ConsentStore
import Dispatch

/// The active node's writer: takes everything appended since its last
/// transaction and commits it as one transaction (group commit), then runs
/// the completions. Appends that arrive while a commit is under way wait for
/// the next one.
///
/// Each transaction is one round trip in libpq's pipeline mode: `BEGIN`,
/// `SELECT … FROM consent_append(epoch, first, types[], payloads[], prev)`
/// (one statement inserting every record: a multi-row insert from two
/// arrays), `COMMIT`, sync. An answer goes out only after the `COMMIT`
/// carrying its records returned without a warning; if anything fails (the
/// session is lost, the lease was taken, the database refuses, no answer
/// within the lease, a warning that the COMMIT's wait for a synchronous
/// standby was cancelled), every call waiting on that transaction gets
/// UNAVAILABLE, never OK, and the node gives up its role.
extension StoreCore {
    enum ActiveOutcome {
        /// The lease or the session is lost: the reason; the appends of the
        /// failed transaction, which the node fails (UNAVAILABLE) once it
        /// has announced that it no longer serves, so that nobody told
        /// UNAVAILABLE finds the node still claiming to be active; the last
        /// record this node saw committed; and the failed transaction's
        /// records, whose outcome is unknown (nil when none was in flight).
        case lost(StoreError, pending: [(sequence: UInt64, callback: AppendCompletion)], committed: HistoryPoint, unconfirmed: UnconfirmedBatch?)
        /// The store is closing; the lease was given up.
        case closed
    }

    /// Runs the writer while this node holds the lease of `epoch`; the
    /// table ends at `start` (the node caught up with it when it took the lease).
    func runActive(epoch: Int64, start: HistoryPoint, connection: PGConnection) -> ActiveOutcome {
        var types = PGBinaryArray.empty()
        var payloads = PGBinaryArray.empty()
        var count = 0
        var callbacks: [(sequence: UInt64, callback: AppendCompletion)] = []
        var committed = start
        var recordsAtSnapshotRequest = lastSnapshotSequence.load(ordering: .relaxed)
        var lastRenewal = ContinuousClock.now
        let renewEvery = options.idleRenewal

        while true {
            enum Step { case sleep, exit, write }
            let step = shared.withLock { s -> Step in
                if s.completions.isEmpty {
                    if s.closing { return .exit }
                    s.writerSleeping = true
                    return .sleep
                }
                swap(&s.types, &types)
                swap(&s.payloads, &payloads)
                swap(&s.count, &count)
                swap(&s.completions, &callbacks)
                return .write
            }
            switch step {
            case .sleep:
                let wait = ContinuousClock.now.duration(to: lastRenewal + renewEvery)
                guard writerWake.wait(timeout: .now() + .nanoseconds(Int(wait.nanoseconds))) == .timedOut else { continue }
                shared.withLock { $0.writerSleeping = false }
                let sent = ContinuousClock.now
                let sentNanoseconds = LeaseClock.nanoseconds()
                do throws(PostgresError) {
                    connection.discardWarnings()
                    let renewed = try connection.query(Schema.renew, [.int64(epoch)], deadline: sent + options.leaseDuration)
                    guard renewed.rowCount == 1 else {
                        throw PostgresError(.fenced, "the lease of epoch \(epoch) was taken over by another node")
                    }
                    // A renewal that may be on the primary only would let a
                    // promoted standby hand the lease out early.
                    if let warning = connection.takeWarnings().first {
                        throw PostgresError(.outcomeUnknown, "PostgreSQL warned while renewing the lease: \(warning)")
                    }
                    lastRenewal = sent
                    leaseConfirmed(sentAt: sentNanoseconds)
                } catch {
                    return .lost(Self.unavailable(error), pending: [], committed: committed, unconfirmed: nil)
                }
            case .exit:
                // Stop answering before the lease can pass to another node.
                stopServing()
                if !connection.isBroken {
                    // A clean stop hands the lease over at once.
                    _ = try? connection.query(Schema.release, [.int64(epoch)], deadline: .now + .seconds(2))
                }
                return .closed
            case .write:
                // The last append taken, not `nextSequence`: appends refused
                // while the store closes are numbered too, but never sent.
                let last = callbacks[callbacks.count - 1].sequence
                let sent = ContinuousClock.now
                let sentNanoseconds = LeaseClock.nanoseconds()
                do throws(CommitFailure) {
                    try commit(
                        types: &types, payloads: &payloads, count: count, last: last,
                        epoch: epoch, connection: connection, committed: &committed, callbacks: &callbacks)
                } catch {
                    return .lost(Self.unavailable(error.error), pending: callbacks, committed: committed, unconfirmed: error.unconfirmed)
                }
                lastRenewal = sent
                leaseConfirmed(sentAt: sentNanoseconds)
                callbacks.removeAll(keepingCapacity: true)
                types.removeSubrange(PGBinaryArray.headerSize...)
                payloads.removeSubrange(PGBinaryArray.headerSize...)
                if payloads.capacity > 64 << 20 { payloads = PGBinaryArray.empty() }
                count = 0
                if let every = options.snapshotEveryRecords, committed.sequence - recordsAtSnapshotRequest >= every {
                    recordsAtSnapshotRequest = committed.sequence
                    requestSnapshot(nil)
                }
            }
        }
    }

    /// A transaction failed: why, and the records it sent.
    struct CommitFailure: Error {
        var error: PostgresError
        var unconfirmed: UnconfirmedBatch
    }

    /// Commits records `committed.sequence + 1 ... last` in one transaction,
    /// or in several when they exceed `maxTransactionBytes`; after each
    /// commit advances `committed`, publishes the durable sequence and
    /// completes the appends it covers.
    ///
    /// A split falls only between two appends, never inside one: each
    /// `append` call (a ledger command's events) commits whole, so no
    /// failure can leave part of a command's events in the table. An append
    /// larger than the limit gets a transaction of its own.
    private func commit(
        types: inout [UInt8], payloads: inout [UInt8], count: Int, last: UInt64, epoch: Int64,
        connection: PGConnection, committed: inout HistoryPoint, callbacks: inout [(sequence: UInt64, callback: AppendCompletion)]
    ) throws(CommitFailure) {
        let first = committed.sequence + 1
        precondition(UInt64(count) == last - first + 1, "pending records and sequence numbers disagree")
        precondition(callbacks.last?.sequence == last, "every pending record belongs to an append")
        if payloads.count <= options.maxTransactionBytes {
            PGBinaryArray.sealHeader(&types, count: count, elementType: PGParameter.int2OID)
            PGBinaryArray.sealHeader(&payloads, count: count, elementType: PGParameter.byteaOID)
            try transaction(UnconfirmedBatch(first: first, last: last, types: types, payloads: payloads), epoch: epoch, connection: connection, committed: &committed)
            published(upTo: last, bytes: payloads.count, records: UInt64(count), callbacks: &callbacks)
            return
        }
        var part = (types: PGBinaryArray.empty(), payloads: PGBinaryArray.empty(), count: 0)
        var payloadOffset = PGBinaryArray.headerSize
        var typeOffset = PGBinaryArray.headerSize
        var sequence = first
        func send() throws(CommitFailure) {
            let partFirst = committed.sequence + 1
            let partLast = partFirst + UInt64(part.count) - 1
            PGBinaryArray.sealHeader(&part.types, count: part.count, elementType: PGParameter.int2OID)
            PGBinaryArray.sealHeader(&part.payloads, count: part.count, elementType: PGParameter.byteaOID)
            let batch = UnconfirmedBatch(first: partFirst, last: partLast, types: part.types, payloads: part.payloads)
            try transaction(batch, epoch: epoch, connection: connection, committed: &committed)
            published(upTo: partLast, bytes: part.payloads.count, records: UInt64(part.count), callbacks: &callbacks)
            part = (PGBinaryArray.empty(), PGBinaryArray.empty(), 0)
        }
        // The appends' last sequences are the places a split may fall.
        for boundary in callbacks.map(\.sequence) {
            let records = Int(boundary - sequence + 1)
            var end = payloadOffset
            for _ in 0..<records {
                let length = payloads.withUnsafeBytes { Int(UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: end, as: UInt32.self))) }
                end += 4 + length
            }
            if part.count > 0, part.payloads.count + (end - payloadOffset) > options.maxTransactionBytes { try send() }
            part.payloads += payloads[payloadOffset..<end]
            part.types += types[typeOffset..<typeOffset + 6 * records]
            part.count += records
            payloadOffset = end
            typeOffset += 6 * records
            sequence = boundary + 1
        }
        if part.count > 0 { try send() }
    }

    /// BEGIN, consent_append, COMMIT and a sync in one round trip; returns
    /// once the COMMIT returned, having advanced `committed` to the batch's
    /// last record. Gives up after twice the lease: while the transaction
    /// runs it holds the lease row, so no takeover can pass it, and reads
    /// stop anyway once the last confirmed renewal is too old
    /// (`servesUntil`); a database that does not answer for that long is
    /// gone, and the node gives up its role.
    private func transaction(_ batch: UnconfirmedBatch, epoch: Int64, connection: PGConnection, committed: inout HistoryPoint) throws(CommitFailure) {
        let started = ContinuousClock.now
        let deadline = started + options.leaseDuration * 2
        var failure: PostgresError?
        var wasCommitted = false
        var appended: HistoryPoint?
        var ends = 0
        do throws(PostgresError) {
            connection.discardWarnings()
            try connection.send("BEGIN")
            try connection.send(Schema.append, [
                .int64(epoch), .int64(Int64(batch.first)),
                PGParameter(type: PGParameter.int2ArrayOID, bytes: batch.types),
                PGParameter(type: PGParameter.byteaArrayOID, bytes: batch.payloads),
                .bytea(committed.chain),
            ])
            try connection.send("COMMIT")
            try connection.pipelineSync(until: deadline)
            while true {
                guard let result = try connection.nextResult(until: deadline) else {
                    ends += 1
                    if ends > 4 { throw PostgresError(.connection, "PostgreSQL ended the pipeline without a sync") }
                    continue
                }
                switch result.status {
                case .pipelineSync:
                    if let failure { throw failure }
                    guard wasCommitted else { throw PostgresError(.statement, "the transaction did not commit") }
                    // With synchronous replication, a COMMIT whose wait for
                    // the standby was cancelled (pg_cancel_backend, a
                    // statement timeout) still answers COMMIT, after a
                    // WARNING: the records are on the primary only.
                    if let warning = connection.takeWarnings().first {
                        throw PostgresError(.outcomeUnknown, "PostgreSQL answered the COMMIT with a warning: \(warning) (with synchronous replication: the events may be on the primary only)")
                    }
                    guard let appended, appended.sequence == batch.last, appended.chain.count == SnapshotFiles.chainLength else {
                        throw PostgresError(.statement, "consent_append stored up to \(appended.map { String($0.sequence) } ?? "nothing"), expected \(batch.last)")
                    }
                    committed = appended
                    commits.add(1, ordering: .relaxed)
                    if let observer = options.syncObserver {
                        let elapsed = ContinuousClock.now - started
                        observer(batch.last - batch.first + 1, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    }
                    return
                case .failed:
                    failure = failure ?? result.error
                case .tuplesOK:
                    if result.rowCount == 1, let sequence = result.integer(0, 0, binary: true) {
                        appended = HistoryPoint(sequence: UInt64(sequence), chain: result.bytes(0, 1))
                    }
                case .commandOK:
                    let tag = result.commandStatus
                    if tag == "COMMIT" {
                        wasCommitted = true
                    } else if tag == "ROLLBACK" {
                        failure = failure ?? PostgresError(.statement, "the transaction was rolled back")
                    }
                case .pipelineAborted, .other:
                    continue
                }
            }
        } catch {
            throw CommitFailure(error: error, unconfirmed: batch)
        }
    }

    /// Publishes a committed sequence and completes what it covers.
    private func published(upTo last: UInt64, bytes: Int, records: UInt64, callbacks: inout [(sequence: UInt64, callback: AppendCompletion)]) {
        recordsWritten.add(records, ordering: .relaxed)
        bytesWritten.add(UInt64(bytes), ordering: .relaxed)
        committedSeen.store(last, ordering: .relaxed)
        let ready = shared.withLock { s -> [(sequence: UInt64, callback: DurableCallback)] in
            durable.store(last, ordering: .releasing)
            guard !s.durableWaiters.isEmpty else { return [] }
            var ready: [(sequence: UInt64, callback: DurableCallback)] = []
            s.durableWaiters.removeAll { entry in
                if entry.sequence <= last { ready.append(entry); return true }
                return false
            }
            return ready
        }
        var completed = 0
        for entry in callbacks {
            guard entry.sequence <= last else { break }
            entry.callback(.success(entry.sequence))
            completed += 1
        }
        callbacks.removeFirst(completed)
        for entry in ready { entry.callback(.success(())) }
    }
}
