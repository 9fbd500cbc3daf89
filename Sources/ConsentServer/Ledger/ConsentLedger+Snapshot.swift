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
}
