import ConsentStore

/// The start-up report an operator reads: what recovery did and what the
/// state costs in memory (DESIGN §10: under 400 bytes per consent).
extension ConsentLedger {
    /// One line for the server log after the ledger opened: records replayed,
    /// segments and bytes read, time, the snapshot used (and any skipped as
    /// damaged), torn bytes cut, consents, and resident memory per consent.
    /// - Parameters:
    ///   - residentBefore: the process's resident bytes before the ledger was
    ///     opened, so that the binary, TLS and threads are not charged to the
    ///     consents.
    ///   - residentAfter: the resident bytes now.
    public func startupSummary(residentBefore: UInt64, residentAfter: UInt64) -> String {
        let consents = consentCount
        let grown = residentAfter > residentBefore ? residentAfter - residentBefore : 0
        let memory = consents > 0
            ? "\(consents) consents, +\(Self.mebibytes(grown)) resident (\(grown / UInt64(consents)) bytes per consent)"
            : "no consents yet"
        guard let recovery else { return "storage: memory only (events are lost on exit); \(memory)" }
        var parts = [
            "recovery: \(recovery.recordSource == nil ? "log ends" : "events end") at sequence \(recovery.lastSequence)",
            recovery.snapshotFile.map { "snapshot \($0) (sequence \(recovery.snapshotSequence)) used" } ?? "no snapshot used",
            recovery.recordSource.map { "\(recovery.recordsReplayed) records replayed from \($0) (\(Self.mebibytes(UInt64(max(0, recovery.bytesRead)))) read)" }
                ?? "\(recovery.recordsReplayed) records replayed from \(recovery.segmentsRead) segments (\(Self.mebibytes(UInt64(max(0, recovery.bytesRead)))) read)",
            "in \(Self.seconds(recovery.duration))",
        ]
        if let written = recovery.snapshotWrittenAtOpen {
            parts.append("then wrote snapshot \(written.file) (\(Self.mebibytes(UInt64(written.bytes)))) in \(Self.seconds(written.duration)), so the next start need not replay them")
        }
        if recovery.recordSource == nil { parts.append("torn bytes cut: \(recovery.tornBytesCut)") }
        if !recovery.skippedSnapshots.isEmpty {
            parts.append("damaged snapshots skipped: \(recovery.skippedSnapshots.joined(separator: "; "))")
        }
        parts.append(memory)
        return parts.joined(separator: "; ")
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10) MiB"
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - String(millis % 1000).count))\(millis % 1000) s"
    }
}
