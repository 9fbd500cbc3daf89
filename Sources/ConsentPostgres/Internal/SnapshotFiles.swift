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
/// what it was built from, and a start uses it only if the database still
/// holds exactly that:
///
/// ```
/// payload = "CHPGSNAP" | database id (36 ASCII) | epoch (u64) | CRC-32C of the
///           last record's type and payload (u32) | the state's bytes
/// ```
struct SnapshotFiles {
    static let prefix = "pgsnap-"
    static let suffix = ".snap"
    static let magic: [UInt8] = Array("CHPGSNAP".utf8)
    static let identityLength = 8 + 36 + 8 + 4

    let directory: String
    let fileSystem: any FileSystem

    /// What a snapshot says it was built from.
    struct Identity: Equatable {
        var databaseID: String
        var epoch: Int64
        var recordChecksum: UInt32
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

    /// The checksum a snapshot keeps of the record it ends with.
    static func recordChecksum(type: UInt8, payload: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        withUnsafeBytes(of: type) { crc.update($0) }
        crc.update(payload)
        return crc.value
    }

    /// Snapshot file names with their sequence numbers, oldest first.
    func list() throws(StoreError) -> [(sequence: UInt64, name: String)] {
        let names: [String]
        do throws(FileSystemError) { names = try fileSystem.listDirectory(directory) } catch { throw .io(error) }
        return names.compactMap { name in Self.sequence(of: name).map { ($0, name) } }.sorted { $0.sequence < $1.sequence }
    }

    /// Reads and checks one snapshot: its sequence, identity and state bytes.
    /// - Throws: `StoreError.corrupted` for a damaged file, `.io` if unreadable.
    func read(_ name: String) throws(StoreError) -> (sequence: UInt64, identity: Identity, state: [UInt8]) {
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
        guard prefix.count == Self.identityLength, prefix[0..<8].elementsEqual(Self.magic) else {
            throw .corrupted(file: name, offset: Int64(SnapshotFormat.headerSize), reason: "not a snapshot of a PostgreSQL-backed state")
        }
        let identity = prefix.withUnsafeBytes { raw in
            Identity(
                databaseID: String(decoding: raw[8..<44], as: UTF8.self),
                epoch: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 44, as: Int64.self)),
                recordChecksum: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 52, as: UInt32.self)))
        }
        return (sequence, identity, state)
    }

    /// Writes a snapshot atomically: temporary file, fsync, rename, fsync
    /// of the directory. Returns the file name and its size.
    func write(sequence: UInt64, identity: Identity, state: [UInt8]) throws(StoreError) -> (name: String, bytes: Int) {
        var prefix = Self.magic
        var id = Array(identity.databaseID.utf8.prefix(36))
        id += [UInt8](repeating: 0x20, count: 36 - id.count)
        prefix += id
        withUnsafeBytes(of: identity.epoch.littleEndian) { prefix.append(contentsOf: $0) }
        withUnsafeBytes(of: identity.recordChecksum.littleEndian) { prefix.append(contentsOf: $0) }
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
}
