import Synchronization

/// The 32-byte header of a snapshot file, followed by the state's bytes:
///
/// ```
/// 0   8 bytes  magic "CHSNAPSH"
/// 8   u16      format version (1)
/// 10  u16      reserved, 0
/// 12  u32      CRC-32C of bytes 0..<12, 16..<32 and the payload
/// 16  u64      last sequence number the snapshot covers
/// 24  u64      payload length
/// 32  …        payload (ReplayableState.encodeSnapshot())
/// ```
package enum SnapshotFormat {
    package static let headerSize = 32
    static let magic: [UInt8] = Array("CHSNAPSH".utf8)
    static let version: UInt16 = 1

    package static func encode(sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize + payload.count)
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(sequence)
        bytes.appendLittleEndian(UInt64(payload.count))
        bytes.append(contentsOf: payload)
        let crc = bytes.withUnsafeBytes { checksum($0) }
        bytes.withUnsafeMutableBytes { $0.storeLittleEndian(crc, at: 12) }
        return bytes
    }

    /// The header alone for a payload written in parts after it (so a large
    /// state need not be copied behind a header in one buffer).
    package static func header(sequence: UInt64, payloadParts: [UnsafeRawBufferPointer]) -> [UInt8] {
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(sequence)
        bytes.appendLittleEndian(UInt64(payloadParts.reduce(0) { $0 + $1.count }))
        let crc = bytes.withUnsafeBytes { checksum(header: $0, payloadParts: payloadParts) }
        bytes.withUnsafeMutableBytes { $0.storeLittleEndian(crc, at: 12) }
        return bytes
    }

    private static func checksum(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> UInt32 {
        checksum(header: header, payloadParts: [payload])
    }

    private static func checksum(header: UnsafeRawBufferPointer, payloadParts: [UnsafeRawBufferPointer]) -> UInt32 {
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: header[0..<12]))
        crc.update(UnsafeRawBufferPointer(rebasing: header[16..<headerSize]))
        for part in payloadParts { crc.update(part) }
        return crc.value
    }

    private static func checksum(_ file: UnsafeRawBufferPointer) -> UInt32 {
        checksum(header: UnsafeRawBufferPointer(rebasing: file[0..<headerSize]), payload: UnsafeRawBufferPointer(rebasing: file[headerSize...]))
    }

    /// The covered sequence number and the payload's range, or why the file is not valid.
    package static func decode(_ file: UnsafeRawBufferPointer) -> Result<(sequence: UInt64, payload: Range<Int>), HeaderProblem> {
        guard file.count >= headerSize else { return .failure(.problem("shorter than a snapshot header (\(file.count) bytes)")) }
        return decode(header: UnsafeRawBufferPointer(rebasing: file[0..<headerSize]), payload: UnsafeRawBufferPointer(rebasing: file[headerSize...]))
            .map { ($0, headerSize..<file.count) }
    }

    /// The covered sequence number, or why the file is not valid, from its
    /// header and its payload read apart (so the payload need not be copied
    /// out of a buffer holding the whole file).
    package static func decode(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> Result<UInt64, HeaderProblem> {
        decode(header: header, payloadParts: [payload])
    }

    /// The same, with the payload read in consecutive parts (a prefix of
    /// the payload and the rest, in separate buffers).
    package static func decode(header: UnsafeRawBufferPointer, payloadParts: [UnsafeRawBufferPointer]) -> Result<UInt64, HeaderProblem> {
        checkHeader(header, payloadCount: payloadParts.reduce(0) { $0 + $1.count }).flatMap { sequence in
            checksumMatches(header: header, payloadParts: payloadParts) ? .success(sequence) : .failure(.problem("checksum mismatch"))
        }
    }

    /// The covered sequence number, or why the header is not valid for a
    /// payload of `payloadCount` bytes: everything but the checksum, which
    /// ``checksumMatches(header:payloadParts:)`` checks apart (a restart
    /// computes it while the payload decodes).
    package static func checkHeader(_ header: UnsafeRawBufferPointer, payloadCount: Int) -> Result<UInt64, HeaderProblem> {
        guard header.count == headerSize else { return .failure(.problem("shorter than a snapshot header (\(header.count) bytes)")) }
        guard header[0..<8].elementsEqual(magic) else { return .failure(.problem("bad magic, not a ConsentHub snapshot")) }
        let version = header.loadLittleEndian(UInt16.self, at: 8)
        guard version == Self.version else { return .failure(.problem("unsupported snapshot format version \(version)")) }
        let length = header.loadLittleEndian(UInt64.self, at: 24)
        guard length == UInt64(payloadCount) else {
            return .failure(.problem("header announces \(length) payload bytes, file has \(payloadCount)"))
        }
        return .success(header.loadLittleEndian(UInt64.self, at: 16))
    }

    /// Whether the header's CRC-32C matches the header and the payload.
    package static func checksumMatches(header: UnsafeRawBufferPointer, payloadParts: [UnsafeRawBufferPointer]) -> Bool {
        header.loadLittleEndian(UInt32.self, at: 12) == checksum(header: header, payloadParts: payloadParts)
    }
}

/// Reads and checks a snapshot file.
enum SnapshotFile {
    /// The covered sequence number and the state's bytes.
    /// - Throws: ``StoreError/corrupted(file:offset:reason:)`` if the file is
    ///   not a valid snapshot, ``StoreError/io(_:)`` if it cannot be read.
    static func read(_ name: String, directory: String, fileSystem: any FileSystem) throws(StoreError) -> (sequence: UInt64, payload: [UInt8]) {
        // Header and payload are read into separate buffers: copying the
        // payload out of a whole-file buffer would hold the snapshot twice
        // while the state is decoded from it (measured: restart peak 845 →
        // about 650 bytes per consent).
        let header: [UInt8]
        let payload: [UInt8]
        do throws(FileSystemError) {
            let file = try fileSystem.open(directory + "/" + name, mode: .readOnly)
            defer { try? fileSystem.close(file) }
            let size = try fileSystem.size(of: file)
            header = try fileSystem.read(file, count: min(Int(size), SnapshotFormat.headerSize), at: 0)
            payload = try fileSystem.read(file, count: max(0, Int(size) - SnapshotFormat.headerSize), at: Int64(SnapshotFormat.headerSize))
        } catch { throw .io(error) }
        let decoded = header.withUnsafeBytes { h in payload.withUnsafeBytes { p in SnapshotFormat.decode(header: h, payload: p) } }
        switch decoded {
        case .success(let sequence):
            guard FileNames.parseSnapshot(name) == sequence else {
                throw .corrupted(file: name, offset: 16, reason: "the header covers sequence \(sequence), the file name says otherwise")
            }
            return (sequence, payload)
        case .failure(.problem(let reason)):
            throw .corrupted(file: name, offset: 0, reason: reason)
        case .failure:
            throw .corrupted(file: name, offset: 0, reason: "not a valid snapshot")
        }
    }
}

/// A snapshot file held for a restart: mapped when the file system maps
/// (no copy of the file; read into memory otherwise), its header checked and
/// its checksum computed on a second thread while the state decodes from the
/// same bytes (``SnapshotFile/load(_:directory:fileSystem:)``).
final class LoadedSnapshot: Sendable {
    let name: String
    let sequence: UInt64
    private let file: MappedFile

    fileprivate init(name: String, sequence: UInt64, file: MappedFile) {
        self.name = name
        self.sequence = sequence
        self.file = file
    }

    /// The state's bytes, after the 32-byte header; valid while `self` lives.
    var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: file.bytes[SnapshotFormat.headerSize...]) }

    private var header: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: file.bytes[..<SnapshotFormat.headerSize]) }

    /// Decodes the payload with `decode` while another thread computes the
    /// checksum, and returns the decoded value only if both succeed.
    ///
    /// Decoding bytes before their checksum is known is safe: the decoder
    /// checks every length and index against the bytes (the fuzz target
    /// feeds it garbage), and what it built is dropped when the checksum
    /// fails. Done the other way round, one after the other, the check
    /// (1–3 s at 10 million consents) adds to the decode's time.
    /// - Throws: ``StoreError/corrupted(file:offset:reason:)`` for a checksum
    ///   mismatch (reported first, as a sequential check would) or what
    ///   `decode` threw.
    func decodeWhileChecking<T>(_ decode: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let verdict = Mutex<Bool?>(nil)
        let checker = PosixThread.spawn { [self] in
            let matches = SnapshotFormat.checksumMatches(header: header, payloadParts: [payload])
            verdict.withLock { $0 = matches }
        }
        let decoded = Result { try decode(payload) }
        checker.join()
        guard verdict.withLock({ $0 }) == true else {
            throw StoreError.corrupted(file: name, offset: 0, reason: "checksum mismatch")
        }
        return try decoded.get()
    }
}

extension SnapshotFile {
    /// Opens a snapshot for a restart: the file mapped (or read when the file
    /// system does not map), its header checked, its checksum not yet
    /// (``LoadedSnapshot/decodeWhileChecking(_:)``).
    /// - Throws: ``StoreError/corrupted(file:offset:reason:)`` for a bad
    ///   header, ``StoreError/io(_:)`` if it cannot be read.
    static func load(_ name: String, directory: String, fileSystem: any FileSystem) throws(StoreError) -> LoadedSnapshot {
        let bytes: MappedFile
        do throws(FileSystemError) {
            let file = try fileSystem.open(directory + "/" + name, mode: .readOnly)
            defer { try? fileSystem.close(file) }
            let size = Int(try fileSystem.size(of: file))
            if let mapped = try fileSystem.mapReadOnly(file, length: size) {
                bytes = mapped
            } else {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
                var done = 0
                do throws(FileSystemError) {
                    while done < size {
                        let n = try fileSystem.pread(file, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: Int64(done))
                        if n == 0 { break }
                        done += n
                    }
                } catch {
                    buffer.deallocate()
                    throw error
                }
                // A file shorter than its size a moment ago: what was read, which the header check refuses.
                bytes = MappedFile(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[..<done])) { _ in buffer.deallocate() }
            }
        } catch { throw .io(error) }
        guard bytes.bytes.count >= SnapshotFormat.headerSize else {
            throw .corrupted(file: name, offset: 0, reason: "shorter than a snapshot header (\(bytes.bytes.count) bytes)")
        }
        let header = UnsafeRawBufferPointer(rebasing: bytes.bytes[..<SnapshotFormat.headerSize])
        switch SnapshotFormat.checkHeader(header, payloadCount: bytes.bytes.count - SnapshotFormat.headerSize) {
        case .success(let sequence):
            guard FileNames.parseSnapshot(name) == sequence else {
                throw .corrupted(file: name, offset: 16, reason: "the header covers sequence \(sequence), the file name says otherwise")
            }
            return LoadedSnapshot(name: name, sequence: sequence, file: bytes)
        case .failure(.problem(let reason)):
            throw .corrupted(file: name, offset: 0, reason: reason)
        case .failure:
            throw .corrupted(file: name, offset: 0, reason: "not a valid snapshot")
        }
    }
}
