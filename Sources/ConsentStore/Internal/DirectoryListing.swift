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
