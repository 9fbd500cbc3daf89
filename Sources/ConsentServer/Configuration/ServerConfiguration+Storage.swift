import ConsentPostgres
import ConsentStore

extension ServerConfiguration {
    /// The event log's options from the storage settings (`--segment-size`,
    /// `--snapshot-every-records`, …), with `log` as the sink for the store's
    /// recovery, snapshot and failure lines.
    public func logOptions(log: @escaping @Sendable (String) -> Void) -> LogOptions {
        var options = LogOptions()
        options.segmentSize = segmentSize
        options.preZeroBytes = preZeroBytes
        options.commitDelay = .microseconds(commitDelayMicroseconds)
        options.snapshotEveryRecords = snapshotEveryRecords == 0 ? nil : snapshotEveryRecords
        options.snapshotEveryBytes = snapshotEveryBytes == 0 ? nil : snapshotEveryBytes
        options.snapshotsToKeep = snapshotsToKeep
        options.removeCoveredSegments = removeCoveredSegments
        options.keepSnapshotStateInMemory = snapshotKeepsState
        options.cutTornFinalBatch = cutTornFinalBatch
        options.snapshotAtOpen = snapshotAtStart
        options.log = log
        return options
    }
}

extension ServerConfiguration {
    /// Whether the events live in PostgreSQL (`--postgres`) rather than in the embedded log.
    public var usesPostgres: Bool { !postgres.isEmpty }

    /// The PostgreSQL store's options from `--postgres`, the lease and the
    /// snapshot settings; snapshots go to `--data-dir`.
    public func postgresOptions(log: @escaping @Sendable (String) -> Void) -> PostgresOptions {
        var options = PostgresOptions(connection: postgres, snapshotDirectory: dataDirectory)
        options.snapshotEveryRecords = snapshotEveryRecords == 0 ? nil : snapshotEveryRecords
        options.snapshotsToKeep = snapshotsToKeep
        options.keepSnapshotStateInMemory = snapshotKeepsState
        options.snapshotAtOpen = snapshotAtStart
        options.leaseDuration = .milliseconds(Int64(leaseSeconds * 1000))
        options.log = log
        return options
    }
}
