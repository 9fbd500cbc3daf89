/// A read-only check of a data directory, for `consentd --verify-data`.
///
/// Applies the same rules as recovery, but changes nothing: a torn tail is
/// reported as the bytes recovery would cut, and damage is listed rather than
/// thrown, segment by segment, so an operator sees all of it at once. It
/// takes no lock, so it can run beside a live server (whose unsynced tail may
/// then show as torn).
public enum LogVerifier {
    /// What ``verify(directory:options:fileSystem:)`` found.
    public struct Report: Sendable, CustomStringConvertible {
        /// Segment files read.
        public var segments = 0
        /// Valid records across all segments.
        public var records: UInt64 = 0
        /// Bytes read.
        public var bytes: Int64 = 0
        /// The first and last sequence numbers in the segments (0 if none).
        public var firstSequence: UInt64 = 0
        public var lastSequence: UInt64 = 0
        /// Bytes of torn tail that `open` would cut.
        public var tornBytes: Int64 = 0
        /// Pre-zeroed space after the last record (not data; `open` cuts it
        /// and the writer zeroes afresh).
        public var preZeroedBytes: Int64 = 0
        /// Each snapshot file, its covered sequence, and its problem if any.
        public var snapshots: [(file: String, sequence: UInt64, problem: String?)] = []
        /// Damage that would stop `open` (or, for a snapshot, make it fall back).
        public var problems: [StoreError] = []
        /// One entry per segment file, in sequence order.
        public var segmentFiles: [SegmentSummary] = []

        /// No problem that would stop `open`. A damaged snapshot is listed in
        /// `snapshots` and is not counted here when recovery can fall back.
        public var isHealthy: Bool { problems.isEmpty }

        public var description: String {
            var lines = ["\(segments) segments, \(records) records (sequence \(firstSequence)...\(lastSequence)), \(bytes) bytes"]
            if tornBytes > 0 { lines.append("torn tail: \(tornBytes) bytes would be cut on open") }
            if preZeroedBytes > 0 { lines.append("pre-zeroed space: \(preZeroedBytes) bytes after the last record") }
            for snapshot in snapshots {
                lines.append("snapshot \(snapshot.file) (sequence \(snapshot.sequence)): \(snapshot.problem ?? "ok")")
            }
            lines.append(contentsOf: problems.map { "PROBLEM: \($0)" })
            lines.append(isHealthy ? "healthy" : "NOT healthy: open would refuse this directory")
            return lines.joined(separator: "\n")
        }
    }

    /// What one segment file holds.
    public struct SegmentSummary: Sendable, Equatable {
        /// The file name, e.g. `log-00000000000000000001.seg`.
        public var file: String
        /// The first sequence number (from the file name).
        public var firstSequence: UInt64
        /// Valid records read before the end or the first damage.
        public var records: UInt64
        /// The file's size in bytes.
        public var bytes: Int64
        /// Where a torn tail starts (the end of the last valid record), and
        /// how many bytes `open` would cut there; `nil` if the file ends cleanly.
        public var tornTail: (offset: Int64, bytes: Int64)?
        /// Zeros after the records (and any torn tail) to the end of the
        /// file: space the writer pre-zeroed; 0 if none.
        public var preZeroedBytes: Int64 = 0
        /// Why `open` would refuse this segment, if it would.
        public var problem: StoreError?

        public static func == (lhs: SegmentSummary, rhs: SegmentSummary) -> Bool {
            lhs.file == rhs.file && lhs.firstSequence == rhs.firstSequence && lhs.records == rhs.records
                && lhs.bytes == rhs.bytes && lhs.tornTail?.offset == rhs.tornTail?.offset
                && lhs.tornTail?.bytes == rhs.tornTail?.bytes && lhs.preZeroedBytes == rhs.preZeroedBytes && lhs.problem == rhs.problem
        }
    }

    /// Checks every segment and snapshot in `directory` without changing anything.
    /// - Parameters:
    ///   - options: only ``LogOptions/maxPayloadSize`` and ``LogOptions/cutTornFinalBatch`` matter.
    /// - Returns: the findings; ``Report/isHealthy`` says whether `open` would succeed.
    public static func verify(directory: String, options: LogOptions = LogOptions(), fileSystem: any FileSystem = POSIXFileSystem()) -> Report {
        var report = Report()
        let listing: DirectoryListing
        do throws(StoreError) {
            listing = try DirectoryListing(directory: directory, fileSystem: fileSystem)
        } catch {
            report.problems.append(error)
            return report
        }

        var newestValidSnapshot: UInt64?
        for snapshot in listing.snapshots {
            do throws(StoreError) {
                _ = try SnapshotFile.read(snapshot.name, directory: directory, fileSystem: fileSystem)
                report.snapshots.append((snapshot.name, snapshot.sequence, nil))
                newestValidSnapshot = snapshot.sequence
            } catch {
                report.snapshots.append((snapshot.name, snapshot.sequence, "\(error)"))
            }
        }

        if let first = listing.segments.first, first.sequence != 1,
           !listing.snapshots.contains(where: { s in s.sequence + 1 >= first.sequence && report.snapshots.contains { $0.file == s.name && $0.problem == nil } }) {
            report.problems.append(.corrupted(file: first.name, offset: 16, reason: "segments before sequence \(first.sequence) are missing and no valid snapshot covers them"))
        }

        var expected: UInt64?
        for (index, segment) in listing.segments.enumerated() {
            let isLast = index == listing.segments.count - 1
            let bytes: [UInt8]
            do throws(FileSystemError) {
                bytes = try fileSystem.readFile(directory + "/" + segment.name)
            } catch {
                report.problems.append(.io(error))
                report.segmentFiles.append(SegmentSummary(file: segment.name, firstSequence: segment.sequence, records: 0, bytes: 0, problem: .io(error)))
                expected = nil
                continue
            }
            report.segments += 1
            report.bytes += Int64(bytes.count)
            var summary = SegmentSummary(file: segment.name, firstSequence: segment.sequence, records: 0, bytes: Int64(bytes.count))
            defer { report.segmentFiles.append(summary) }
            let scanner = SegmentScanner(name: segment.name, isLast: isLast, maxPayload: options.maxPayloadSize, cutTornFinalBatch: options.cutTornFinalBatch)
            do throws(StoreError) {
                let result = try withBytes(bytes) { (raw) throws(StoreError) in
                    try scanner.scan(raw, nameSequence: segment.sequence, expectedFirst: expected) { _ in }
                }
                switch result {
                case .success(let outcome):
                    if report.segments == 1 { report.firstSequence = outcome.firstSequence }
                    report.records += outcome.records
                    report.tornBytes += Int64(outcome.tornBytes)
                    if outcome.records > 0 { report.lastSequence = outcome.nextSequence - 1 }
                    expected = outcome.nextSequence
                    summary.records = outcome.records
                    if outcome.tornBytes > 0 { summary.tornTail = (Int64(outcome.validEnd), Int64(outcome.tornBytes)) }
                    summary.preZeroedBytes = Int64(outcome.zeroTail)
                    report.preZeroedBytes += Int64(outcome.zeroTail)
                case .failure:
                    report.tornBytes += Int64(bytes.count)
                    summary.tornTail = (0, Int64(bytes.count))
                }
            } catch {
                report.problems.append(error)
                summary.problem = error
                // Go on with the next segment on its own terms, to list all damage.
                expected = nil
            }
        }
        if let newestValidSnapshot, newestValidSnapshot > report.lastSequence, report.problems.isEmpty {
            report.problems.append(.corrupted(file: FileNames.snapshot(sequence: newestValidSnapshot), offset: 16, reason: "the snapshot covers sequence \(newestValidSnapshot) but the log ends at \(report.lastSequence)"))
        }
        return report
    }
}
