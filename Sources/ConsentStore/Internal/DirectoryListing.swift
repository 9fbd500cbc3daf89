/// The store's files in a data directory, sorted by sequence number.
struct DirectoryListing {
    var segments: [(sequence: UInt64, name: String)] = []
    var snapshots: [(sequence: UInt64, name: String)] = []
    /// Leftovers of snapshots that were being written when the process died.
    var temporaries: [String] = []

    /// - Throws: ``StoreError/io(_:)`` if the directory cannot be listed.
    init(directory: String, fileSystem: any FileSystem) throws(StoreError) {
        let names: [String]
        do throws(FileSystemError) { names = try fileSystem.listDirectory(directory) } catch { throw .io(error) }
        for name in names {
            if let sequence = FileNames.parseSegment(name) {
                segments.append((sequence, name))
            } else if let sequence = FileNames.parseSnapshot(name) {
                snapshots.append((sequence, name))
            } else if name.hasPrefix("snap-"), name.hasSuffix(FileNames.temporarySuffix) {
                temporaries.append(name)
            }
        }
        segments.sort { $0.sequence < $1.sequence }
        snapshots.sort { $0.sequence < $1.sequence }
    }
}

/// Reads and checks a snapshot file.
enum SnapshotFile {
    /// The covered sequence number and the state's bytes.
    /// - Throws: ``StoreError/corrupted(file:offset:reason:)`` if the file is
    ///   not a valid snapshot, ``StoreError/io(_:)`` if it cannot be read.
    static func read(_ name: String, directory: String, fileSystem: any FileSystem) throws(StoreError) -> (sequence: UInt64, payload: [UInt8]) {
        let bytes: [UInt8]
        do throws(FileSystemError) { bytes = try fileSystem.readFile(directory + "/" + name) } catch { throw .io(error) }
        let decoded = bytes.withUnsafeBytes { SnapshotFormat.decode($0) }
        switch decoded {
        case .success(let (sequence, payload)):
            guard FileNames.parseSnapshot(name) == sequence else {
                throw .corrupted(file: name, offset: 16, reason: "the header covers sequence \(sequence), the file name says otherwise")
            }
            return (sequence, Array(bytes[payload]))
        case .failure(.problem(let reason)):
            throw .corrupted(file: name, offset: 0, reason: reason)
        case .failure:
            throw .corrupted(file: name, offset: 0, reason: "not a valid snapshot")
        }
    }
}

/// Runs `body` over an array's bytes, keeping `body`'s typed error.
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(StoreError) -> R) throws(StoreError) -> R {
    var result: Result<R, StoreError>!
    array.withUnsafeBytes { raw in
        do throws(StoreError) { result = .success(try body(raw)) } catch { result = .failure(error) }
    }
    return try result.get()
}
