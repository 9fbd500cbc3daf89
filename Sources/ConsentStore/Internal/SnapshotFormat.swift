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
        guard header.count == headerSize else { return .failure(.problem("shorter than a snapshot header (\(header.count) bytes)")) }
        guard header[0..<8].elementsEqual(magic) else { return .failure(.problem("bad magic, not a ConsentHub snapshot")) }
        let version = header.loadLittleEndian(UInt16.self, at: 8)
        guard version == Self.version else { return .failure(.problem("unsupported snapshot format version \(version)")) }
        let length = header.loadLittleEndian(UInt64.self, at: 24)
        let count = payloadParts.reduce(0) { $0 + $1.count }
        guard length == UInt64(count) else {
            return .failure(.problem("header announces \(length) payload bytes, file has \(count)"))
        }
        guard header.loadLittleEndian(UInt32.self, at: 12) == checksum(header: header, payloadParts: payloadParts) else {
            return .failure(.problem("checksum mismatch"))
        }
        return .success(header.loadLittleEndian(UInt64.self, at: 16))
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
