/// Reads every record of a data directory in sequence order, from the first
/// segment, by the recovery rules (docs/STORAGE.md): the records a restart
/// would keep, without a torn tail. For `consentd migrate`, which copies the
/// whole history elsewhere. Read-only; the caller holds the directory's lock
/// (``withLockedDirectory(_:fileSystem:_:)``) so nothing is appended meanwhile.
public enum LogReader {
    /// Hands each record to `body` in order.
    /// - Returns: the last sequence number read (0 for an empty log).
    /// - Throws: ``StoreError/corrupted(file:offset:reason:)`` for damage that
    ///   would stop a start, or when the history does not start at sequence 1
    ///   (segments removed with `--remove-covered-segments`); what `body` throws.
    @discardableResult
    public static func forEachRecord(
        directory: String, options: LogOptions = LogOptions(), fileSystem: any FileSystem = POSIXFileSystem(),
        _ body: (_ sequence: UInt64, _ type: UInt8, _ payload: UnsafeRawBufferPointer) throws(StoreError) -> Void
    ) throws(StoreError) -> UInt64 {
        let listing = try DirectoryListing(directory: directory, fileSystem: fileSystem)
        if let first = listing.segments.first, first.sequence != 1 {
            throw .corrupted(file: first.name, offset: 16, reason: "the history before sequence \(first.sequence) was removed (--remove-covered-segments): the whole history is needed")
        }
        var expected: UInt64 = 1
        for (index, segment) in listing.segments.enumerated() {
            let bytes: [UInt8]
            do throws(FileSystemError) { bytes = try fileSystem.readFile(directory + "/" + segment.name) } catch { throw .io(error) }
            let scanner = SegmentScanner(
                name: segment.name, isLast: index == listing.segments.count - 1, maxPayload: options.maxPayloadSize,
                cutTornFinalBatch: options.cutTornFinalBatch)
            let result = try withBytes(bytes) { (raw) throws(StoreError) in
                try scanner.scan(raw, nameSequence: segment.sequence, expectedFirst: expected) { (record) throws(StoreError) in
                    try body(record.sequence, record.type, UnsafeRawBufferPointer(rebasing: raw[record.payload]))
                }
            }
            if case .success(let outcome) = result { expected = outcome.nextSequence }
        }
        return expected - 1
    }

    /// Runs `body` while holding the directory's `LOCK` (as a running
    /// consentd does), so no process appends to it meanwhile.
    /// - Throws: ``StoreError/directoryInUse(directory:pid:)`` when a consentd holds it.
    public static func withLockedDirectory<T>(
        _ directory: String, fileSystem: any FileSystem = POSIXFileSystem(), _ body: () throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let lock = try LockFile.acquire(directory: directory, fileSystem: fileSystem)
        defer { lock.release(fileSystem: fileSystem) }
        return try body()
    }
}
