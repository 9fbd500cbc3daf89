import ConsentStore

extension ConsentLedger {
    /// Takes a snapshot of everything durable now and waits for it. Background
    /// snapshots follow `--snapshot-every-records` / `--snapshot-every-bytes`;
    /// this is for tools, benchmarks and tests.
    /// - Returns: the snapshot (`isNew` false when nothing changed since the
    ///   last one); `nil` for the in-memory ledger.
    /// - Throws: `StoreError` if it could not be written (the log is not affected).
    /// - Important: blocks; not for an event loop.
    public func snapshotNow() throws(StoreError) -> SnapshotInfo? {
        guard let store else { return nil }
        return try store.snapshotNow()
    }

    /// The log's counters (syncs, batches, records and bytes written,
    /// snapshots); `nil` for the in-memory ledger.
    public var logStatistics: LogStatistics? { store?.statistics }

    /// One line of the store's counters, what `consentd` prints on SIGUSR1:
    /// `store: syncs N batches N records N bytes N delayed N` (all zero for the
    /// in-memory ledger). Benchmarks divide records by syncs between two reads.
    public func storeCountersLine() -> String {
        let s = logStatistics
        return "store: syncs \(s?.syncs ?? 0) batches \(s?.batches ?? 0) records \(s?.recordsWritten ?? 0) bytes \(s?.bytesWritten ?? 0) delayed \(s?.delayedBatches ?? 0)"
    }

    /// Tells the store that this thread has appended all it will for now, so
    /// a batch held back for more records (the commit delay) is written at
    /// once. Called by each event loop when it goes idle.
    public func commitNow() { store?.commitNow() }
}
