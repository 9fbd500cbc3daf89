import ConsentStore
import Dispatch

/// The active node's writer: takes everything appended since its last
/// transaction and commits it as one transaction (group commit), then runs
/// the completions. Appends that arrive while a commit is under way wait for
/// the next one.
///
/// Each transaction is one round trip in libpq's pipeline mode: `BEGIN`,
/// `SELECT consent_append(epoch, first, types[], payloads[])` (one statement
/// inserting every record: a multi-row insert from two arrays), `COMMIT`,
/// sync. An answer goes out only after the `COMMIT` carrying its records
/// returned; if anything fails (the session is lost, the lease was taken,
/// the database refuses, no answer within the lease), every call waiting on
/// that transaction gets UNAVAILABLE, never OK, and the node gives up its role.
extension StoreCore {
    enum ActiveOutcome {
        /// The lease or the session is lost: the reason, and the appends of
        /// the failed transaction, which the node fails (UNAVAILABLE) once it
        /// has announced that it no longer serves, so that nobody told
        /// UNAVAILABLE finds the node still claiming to be active.
        case lost(StoreError, pending: [(sequence: UInt64, callback: AppendCompletion)])
        /// The store is closing; the lease was given up.
        case closed
    }

    /// Runs the writer while this node holds the lease of `epoch`.
    func runActive(epoch: Int64, connection: PGConnection) -> ActiveOutcome {
        var types = PGBinaryArray.empty()
        var payloads = PGBinaryArray.empty()
        var count = 0
        var callbacks: [(sequence: UInt64, callback: AppendCompletion)] = []
        var lastCommitted = durable.load(ordering: .acquiring)
        var recordsAtSnapshotRequest = lastSnapshotSequence.load(ordering: .relaxed)
        var lastRenewal = ContinuousClock.now
        let renewEvery = options.leaseDuration / 4

        while true {
            enum Step { case sleep, exit, write(last: UInt64) }
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
                return .write(last: s.nextSequence - 1)
            }
            switch step {
            case .sleep:
                let wait = ContinuousClock.now.duration(to: lastRenewal + renewEvery)
                let nanoseconds = max(0, wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000)
                guard writerWake.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .timedOut else { continue }
                shared.withLock { $0.writerSleeping = false }
                let sent = ContinuousClock.now
                let sentNanoseconds = Monotonic.nanoseconds()
                do throws(PostgresError) {
                    let renewed = try connection.query(Schema.renew, [.int64(epoch)], deadline: sent + options.leaseDuration)
                    guard renewed.rowCount == 1 else {
                        throw PostgresError(.fenced, "the lease of epoch \(epoch) was taken over by another node")
                    }
                    lastRenewal = sent
                    leaseConfirmed(sentAt: sentNanoseconds)
                } catch {
                    return .lost(Self.unavailable(error), pending: [])
                }
            case .exit:
                if !connection.isBroken {
                    // A clean stop hands the lease over at once.
                    _ = try? connection.query(Schema.release, [.int64(epoch)], deadline: .now + .seconds(2))
                }
                return .closed
            case .write(let last):
                let sent = ContinuousClock.now
                let sentNanoseconds = Monotonic.nanoseconds()
                do throws(PostgresError) {
                    try commit(
                        types: &types, payloads: &payloads, count: count, first: lastCommitted + 1, last: last,
                        epoch: epoch, connection: connection, callbacks: &callbacks)
                } catch {
                    return .lost(Self.unavailable(error), pending: callbacks)
                }
                lastCommitted = last
                lastRenewal = sent
                leaseConfirmed(sentAt: sentNanoseconds)
                callbacks.removeAll(keepingCapacity: true)
                types.removeSubrange(PGBinaryArray.headerSize...)
                payloads.removeSubrange(PGBinaryArray.headerSize...)
                if payloads.capacity > 64 << 20 { payloads = PGBinaryArray.empty() }
                count = 0
                if let every = options.snapshotEveryRecords, lastCommitted - recordsAtSnapshotRequest >= every {
                    recordsAtSnapshotRequest = lastCommitted
                    requestSnapshot(nil)
                }
            }
        }
    }

    /// Commits records `first...last` in one transaction, or in several when
    /// they exceed `maxTransactionBytes`; after each commit publishes the
    /// durable sequence and completes the appends it covers.
    private func commit(
        types: inout [UInt8], payloads: inout [UInt8], count: Int, first: UInt64, last: UInt64, epoch: Int64,
        connection: PGConnection, callbacks: inout [(sequence: UInt64, callback: AppendCompletion)]
    ) throws(PostgresError) {
        precondition(UInt64(count) == last - first + 1, "pending records and sequence numbers disagree")
        if payloads.count <= options.maxTransactionBytes {
            PGBinaryArray.sealHeader(&types, count: count, elementType: PGParameter.int2OID)
            PGBinaryArray.sealHeader(&payloads, count: count, elementType: PGParameter.byteaOID)
            try transaction(types: types, payloads: payloads, first: first, last: last, epoch: epoch, connection: connection)
            published(upTo: last, bytes: payloads.count, records: UInt64(count), callbacks: &callbacks)
            return
        }
        // Split at record boundaries; each part is a transaction of its own.
        var index = 0
        var payloadOffset = PGBinaryArray.headerSize
        var sequence = first
        while index < count {
            var partTypes = PGBinaryArray.empty()
            var partPayloads = PGBinaryArray.empty()
            let start = index
            while index < count {
                let length = payloads.withUnsafeBytes { Int(UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: payloadOffset, as: UInt32.self))) }
                if index > start, partPayloads.count + 4 + length > options.maxTransactionBytes { break }
                partPayloads += payloads[payloadOffset..<payloadOffset + 4 + length]
                let typeOffset = PGBinaryArray.headerSize + 6 * index
                partTypes += types[typeOffset..<typeOffset + 6]
                payloadOffset += 4 + length
                index += 1
            }
            let partCount = index - start
            let partLast = sequence + UInt64(partCount) - 1
            PGBinaryArray.sealHeader(&partTypes, count: partCount, elementType: PGParameter.int2OID)
            PGBinaryArray.sealHeader(&partPayloads, count: partCount, elementType: PGParameter.byteaOID)
            try transaction(types: partTypes, payloads: partPayloads, first: sequence, last: partLast, epoch: epoch, connection: connection)
            published(upTo: partLast, bytes: partPayloads.count, records: UInt64(partCount), callbacks: &callbacks)
            sequence = partLast + 1
        }
    }

    /// BEGIN, consent_append, COMMIT and a sync in one round trip; returns
    /// once the COMMIT returned. Gives up after twice the lease: while the
    /// transaction runs it holds the lease row, so no takeover can pass it,
    /// and reads stop anyway once the last confirmed renewal is too old
    /// (`servesUntil`); a database that does not answer for that long is
    /// gone, and the node gives up its role.
    private func transaction(types: [UInt8], payloads: [UInt8], first: UInt64, last: UInt64, epoch: Int64, connection: PGConnection) throws(PostgresError) {
        let started = ContinuousClock.now
        let deadline = started + options.leaseDuration * 2
        try connection.send("BEGIN")
        try connection.send(Schema.append, [
            .int64(epoch), .int64(Int64(first)),
            PGParameter(type: PGParameter.int2ArrayOID, bytes: types),
            PGParameter(type: PGParameter.byteaArrayOID, bytes: payloads),
        ])
        try connection.send("COMMIT")
        try connection.pipelineSync(until: deadline)
        var failure: PostgresError?
        var committed = false
        var appendedUpTo: Int64?
        var ends = 0
        while true {
            guard let result = try connection.nextResult(until: deadline) else {
                ends += 1
                if ends > 4 { throw PostgresError(.connection, "PostgreSQL ended the pipeline without a sync") }
                continue
            }
            switch result.status {
            case .pipelineSync:
                if let failure { throw failure }
                guard committed else { throw PostgresError(.statement, "the transaction did not commit") }
                guard appendedUpTo == Int64(last) else {
                    throw PostgresError(.statement, "consent_append stored up to \(appendedUpTo.map(String.init) ?? "nothing"), expected \(last)")
                }
                commits.add(1, ordering: .relaxed)
                if let observer = options.syncObserver {
                    let elapsed = ContinuousClock.now - started
                    observer(last - first + 1, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                }
                return
            case .failed:
                failure = failure ?? result.error
            case .tuplesOK:
                appendedUpTo = result.integer(0, 0, binary: true)
            case .commandOK:
                let tag = result.commandStatus
                if tag == "COMMIT" {
                    committed = true
                } else if tag == "ROLLBACK" {
                    failure = failure ?? PostgresError(.statement, "the transaction was rolled back")
                }
            case .pipelineAborted, .other:
                continue
            }
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
