/// Writing snapshots and applying retention: shared by the snapshot thread
/// and by `open`, which writes one from the state it just recovered when the
/// replay was long (``LogOptions/snapshotAtOpen``).
enum SnapshotWriting {
    /// Writes `snap-<sequence>.snap` holding `payload`: temp file, write,
    /// fsync, rename, fsync the directory, so a snapshot is either whole under
    /// its final name or not there at all. The header is written apart from
    /// the payload, so a large state is never copied behind it in memory.
    /// - Returns: the file name and its size.
    static func write(sequence: UInt64, payload: [UInt8], directory: String, fileSystem: any FileSystem) throws(StoreError) -> (name: String, bytes: Int) {
        let name = FileNames.snapshot(sequence: sequence)
        let header = payload.withUnsafeBytes { SnapshotFormat.header(sequence: sequence, payloadParts: [$0]) }
        let temporary = directory + "/" + name + FileNames.temporarySuffix
        do throws(FileSystemError) {
            let file = try fileSystem.open(temporary, mode: .readWrite(create: true))
            do throws(FileSystemError) {
                try fileSystem.ftruncate(file, to: 0)
                try fileSystem.writeAll(file, header, at: 0)
                try fileSystem.writeAll(file, payload, at: Int64(header.count))
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
        return (name, header.count + payload.count)
    }

    /// Removes snapshots beyond the newest K and, if asked, the segments the
    /// oldest kept snapshot covers entirely (so every kept snapshot can still
    /// be replayed from). The last segment is never removed.
    /// - Parameter segments: the first sequence numbers of the segments on disk, ascending.
    /// - Returns: the segments removed.
    static func retain(directory: String, fileSystem: any FileSystem, options: LogOptions, segments: [UInt64]) throws(StoreError) -> [UInt64] {
        func io(_ body: () throws(FileSystemError) -> Void) throws(StoreError) {
            do throws(FileSystemError) { try body() } catch { throw .io(error) }
        }
        let listing = try DirectoryListing(directory: directory, fileSystem: fileSystem)
        let keep = max(1, options.snapshotsToKeep)
        var changed = false
        for old in listing.snapshots.dropLast(keep) {
            try io { () throws(FileSystemError) in try fileSystem.unlink(directory + "/" + old.name) }
            options.log("removed old snapshot \(old.name)")
            changed = true
        }
        var removed: [UInt64] = []
        if options.removeCoveredSegments, let oldestKept = listing.snapshots.suffix(keep).first?.sequence {
            for index in segments.indices.dropLast() where segments[index + 1] - 1 <= oldestKept {
                let name = FileNames.segment(firstSequence: segments[index])
                try io { () throws(FileSystemError) in try fileSystem.unlink(directory + "/" + name) }
                options.log("removed \(name): every record in it is covered by snapshot sequence \(oldestKept)")
                removed.append(segments[index])
            }
            changed = changed || !removed.isEmpty
        }
        if changed {
            try io { () throws(FileSystemError) in try fileSystem.syncDirectory(directory) }
        }
        return removed
    }
}
