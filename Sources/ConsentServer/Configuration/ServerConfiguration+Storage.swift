import ConsentStore

extension ServerConfiguration {
    /// The event log's options from the storage settings (`--segment-size`,
    /// `--snapshot-every-records`, …), with `log` as the sink for the store's
    /// recovery, snapshot and failure lines.
    public func logOptions(log: @escaping @Sendable (String) -> Void) -> LogOptions {
        var options = LogOptions()
        options.segmentSize = segmentSize
        options.snapshotEveryRecords = snapshotEveryRecords == 0 ? nil : snapshotEveryRecords
        options.snapshotEveryBytes = snapshotEveryBytes == 0 ? nil : snapshotEveryBytes
        options.snapshotsToKeep = snapshotsToKeep
        options.removeCoveredSegments = removeCoveredSegments
        options.keepSnapshotStateInMemory = snapshotKeepsState
        options.cutTornFinalBatch = cutTornFinalBatch
        options.log = log
        return options
    }
}
