import ConsentStore

/// This node's snapshots of a PostgreSQL-backed state: files in its snapshot
/// directory, in the embedded log's snapshot format (header, CRC-32C), named
/// `pgsnap-<sequence>.snap`.
///
/// Why files on the node rather than rows in the database: a snapshot is a
/// cache that makes a start fast, and a local file is the fastest thing to
/// read (the disk's bandwidth, no network, no load on the database, no 1 GB
/// limit of a `bytea`). Losing one costs start-up time only: the database
/// holds every event. Because the database can change under a file (another
/// database, a restore from backup, a rewound history), each snapshot names
/// what it was built from, and it is used only if the database still holds
/// exactly that history (``problem(sequence:identity:databaseID:end:connection:timeout:)``):
///
/// ```
/// payload = "CHPGSNP2" | database id (36 ASCII) | history hash of the last
///           record (`consent_events.chain`, 32 bytes) | the state's bytes
/// ```
///
/// Files of format 1 (`CHPGSNAP`: the last record's epoch and CRC-32C, which
/// do not prove the history before it) are skipped, not trusted.
struct SnapshotFiles {
    static let prefix = "pgsnap-"
    static let suffix = ".snap"
    static let magic: [UInt8] = Array("CHPGSNP2".utf8)
    static let format1Magic: [UInt8] = Array("CHPGSNAP".utf8)
    static let chainLength = 32
    static let identityLength = 8 + 36 + chainLength

    let directory: String
    let fileSystem: any FileSystem

    /// What a snapshot says it was built from: the database and the
    /// history up to its last record.
    struct Identity: Equatable {
        var databaseID: String
        var chain: [UInt8]
    }

    static func name(sequence: UInt64) -> String {
        let digits = String(sequence)
        return prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    static func sequence(of name: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    /// Snapshot file names with their sequence numbers, oldest first.
    func list() throws(StoreError) -> [(sequence: UInt64, name: String)] {
        let names: [String]
        do throws(FileSystemError) { names = try fileSystem.listDirectory(directory) } catch { throw .io(error) }
        return names.compactMap { name in Self.sequence(of: name).map { ($0, name) } }.sorted { $0.sequence < $1.sequence }
    }

    /// Reads and checks one snapshot: its sequence, identity and state
    /// bytes; the identity is nil for a file of format 1, which names no
    /// history hash.
    /// - Throws: `StoreError.corrupted` for a damaged file, `.io` if unreadable.
    func read(_ name: String) throws(StoreError) -> (sequence: UInt64, identity: Identity?, state: [UInt8]) {
        // Header, identity and state in separate buffers: copying the state
        // out of a whole-file buffer would hold it twice while it is decoded.
        let header: [UInt8]
        let prefix: [UInt8]
        let state: [UInt8]
        do throws(FileSystemError) {
            let file = try fileSystem.open(directory + "/" + name, mode: .readOnly)
            defer { try? fileSystem.close(file) }
            let size = Int(try fileSystem.size(of: file))
            let headerSize = SnapshotFormat.headerSize
            header = try fileSystem.read(file, count: min(size, headerSize), at: 0)
            prefix = try fileSystem.read(file, count: max(0, min(size - headerSize, Self.identityLength)), at: Int64(headerSize))
            let stateStart = headerSize + Self.identityLength
            state = try fileSystem.read(file, count: max(0, size - stateStart), at: Int64(stateStart))
        } catch { throw .io(error) }
        let decoded = header.withUnsafeBytes { h in
            prefix.withUnsafeBytes { p in state.withUnsafeBytes { s in SnapshotFormat.decode(header: h, payloadParts: [p, s]) } }
        }
        let sequence: UInt64
        switch decoded {
        case .success(let value): sequence = value
        case .failure(.problem(let reason)): throw .corrupted(file: name, offset: 0, reason: reason)
        case .failure: throw .corrupted(file: name, offset: 0, reason: "not a valid snapshot")
        }
        guard Self.sequence(of: name) == sequence else {
            throw .corrupted(file: name, offset: 16, reason: "the header covers sequence \(sequence), the file name says otherwise")
        }
        // The checksum covered the whole payload, however it was split above.
        if prefix.count >= 8, prefix[0..<8].elementsEqual(Self.format1Magic) { return (sequence, nil, []) }
        guard prefix.count == Self.identityLength, prefix[0..<8].elementsEqual(Self.magic) else {
            throw .corrupted(file: name, offset: Int64(SnapshotFormat.headerSize), reason: "not a snapshot of a PostgreSQL-backed state")
        }
        let identity = Identity(databaseID: String(decoding: prefix[8..<44], as: UTF8.self), chain: Array(prefix[44...]))
        return (sequence, identity, state)
    }

    /// Writes a snapshot atomically: temporary file, fsync, rename, fsync
    /// of the directory. Returns the file name and its size.
    func write(sequence: UInt64, identity: Identity, state: [UInt8]) throws(StoreError) -> (name: String, bytes: Int) {
        var prefix = Self.magic
        precondition(identity.chain.count == Self.chainLength, "a history hash is 32 bytes")
        var id = Array(identity.databaseID.utf8.prefix(36))
        id += [UInt8](repeating: 0x20, count: 36 - id.count)
        prefix += id
        prefix += identity.chain
        let header = prefix.withUnsafeBytes { p in state.withUnsafeBytes { s in SnapshotFormat.header(sequence: sequence, payloadParts: [p, s]) } }
        let name = Self.name(sequence: sequence)
        let temporary = directory + "/" + name + ".tmp"
        do throws(FileSystemError) {
            let file = try fileSystem.open(temporary, mode: .readWrite(create: true))
            do throws(FileSystemError) {
                try fileSystem.ftruncate(file, to: 0)
                try fileSystem.writeAll(file, header, at: 0)
                try fileSystem.writeAll(file, prefix, at: Int64(header.count))
                try fileSystem.writeAll(file, state, at: Int64(header.count + prefix.count))
                try fileSystem.fsync(file)
            } catch {
                try? fileSystem.close(file)
                throw error
            }
            try? fileSystem.close(file)
            try fileSystem.rename(temporary, to: directory + "/" + name)
            try fileSystem.syncDirectory(directory)
        } catch {
            try? fileSystem.unlink(temporary)
            throw .io(error)
        }
        return (name, header.count + prefix.count + state.count)
    }

    /// Removes all but the newest `keep` snapshots; returns the removed names.
    func retain(keep: Int) throws(StoreError) -> [String] {
        let all = try list()
        var removed: [String] = []
        for old in all.dropLast(max(1, keep)) {
            do throws(FileSystemError) { try fileSystem.unlink(directory + "/" + old.name) } catch { throw .io(error) }
            removed.append(old.name)
        }
        if !removed.isEmpty {
            do throws(FileSystemError) { try fileSystem.syncDirectory(directory) } catch { throw .io(error) }
        }
        return removed
    }

    /// Renames a snapshot that cannot be used to `….damaged`, kept for a person to look at.
    func setAside(_ name: String) {
        try? fileSystem.rename(directory + "/" + name, to: directory + "/" + name + ".damaged")
    }

    /// Removes `*.tmp` leftovers of snapshots a crash interrupted.
    func removeTemporaries() {
        guard let names = try? fileSystem.listDirectory(directory) else { return }
        for name in names where name.hasPrefix(Self.prefix) && name.hasSuffix(".tmp") {
            try? fileSystem.unlink(directory + "/" + name)
        }
    }

    // MARK: Which snapshot a node may use

    /// Why a snapshot cannot stand for the database's history up to `end`
    /// (the table's end, or the sequence a rebuild stops at), or nil when it
    /// can: the same database, not beyond `end`, and the database's record at
    /// its sequence has the history hash it names. The one rule behind a
    /// start, a rebuild and `--verify-data`.
    static func problem(
        sequence: UInt64, identity: Identity?, databaseID: String, end: UInt64, connection: PGConnection, timeout: Duration
    ) throws(StoreError) -> String? {
        guard let identity else {
            return "it was written by an older consentd (format 1, which names no history hash) and is not trusted"
        }
        if identity.databaseID != databaseID { return "it belongs to another database (\(identity.databaseID))" }
        if sequence > end {
            return "it covers sequence \(sequence) but the database ends at \(end) (restored from an older backup?)"
        }
        if try !History.holds(HistoryPoint(sequence: sequence, chain: identity.chain), connection: connection, timeout: timeout) {
            return "record \(sequence) in the database ends another history than the one it was built from"
        }
        return nil
    }

    /// The newest snapshot that stands for the database's history up to
    /// `end`, decoded; or the empty state at the origin. Skipped snapshots
    /// are logged and listed in `report`; damaged ones are set aside.
    func newestUsable<State: ReplayableState>(
        databaseID: String, end: UInt64, connection: PGConnection, timeout: Duration, report: inout RecoveryReport,
        log: @Sendable (String) -> Void
    ) throws(StoreError) -> (state: State, point: HistoryPoint, name: String?) {
        for candidate in try list().reversed() {
            let skip: String
            do throws(StoreError) {
                let (sequence, identity, bytes) = try read(candidate.name)
                if let problem = try Self.problem(
                    sequence: sequence, identity: identity, databaseID: databaseID, end: end, connection: connection, timeout: timeout) {
                    skip = problem
                } else {
                    do {
                        let state = try State(snapshot: bytes)
                        report.snapshotFile = candidate.name
                        report.snapshotSequence = sequence
                        report.bytesRead += Int64(bytes.count)
                        report.snapshotBytes = Int64(bytes.count)
                        return (state, HistoryPoint(sequence: sequence, chain: identity!.chain), candidate.name)
                    } catch {
                        skip = "the state could not decode it: \(error)"
                        setAside(candidate.name)
                    }
                }
            } catch {
                if case .unavailable = error { throw error }
                if case .corrupted = error { setAside(candidate.name) }
                skip = "\(error)"
            }
            log("skipping snapshot \(candidate.name): \(skip); falling back to an older snapshot or a full replay")
            report.skippedSnapshots.append("\(candidate.name): \(skip)")
        }
        return (State(), .origin, nil)
    }
}
