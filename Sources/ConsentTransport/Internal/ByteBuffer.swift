/// Owned, growable bytes with a read and a write index: the output buffer of
/// a connection. Allocated once and reused for the connection's life;
/// encoders write straight into it.
struct ByteBuffer: ~Copyable {
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var readIndex = 0
    private(set) var writeIndex = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    var readableBytes: Int { writeIndex - readIndex }
    var isEmpty: Bool { writeIndex == readIndex }

    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + readIndex, count: writeIndex - readIndex)
    }

    mutating func moveReaderIndex(forwardBy count: Int) {
        precondition(count <= readableBytes)
        readIndex += count
        if readIndex == writeIndex {
            readIndex = 0
            writeIndex = 0
        }
    }

    /// Makes room for `count` more bytes: moves unread bytes to the front when
    /// that is enough (compaction), grows by doubling otherwise.
    @inline(__always)
    mutating func reserve(_ count: Int) {
        if writeIndex + count <= capacity { return }
        grow(count)
    }

    @inline(never)
    private mutating func grow(_ count: Int) {
        let unread = writeIndex - readIndex
        if readIndex > 0 && unread + count <= capacity && readIndex >= capacity / 2 {
            storage.copyMemory(from: storage + readIndex, byteCount: unread)
        } else {
            var newCapacity = capacity * 2
            while newCapacity < unread + count { newCapacity *= 2 }
            let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            newStorage.copyMemory(from: storage + readIndex, byteCount: unread)
            storage.deallocate()
            storage = newStorage
            capacity = newCapacity
        }
        readIndex = 0
        writeIndex = unread
    }

    /// Gives back memory grown for a burst once everything has been written.
    mutating func shrinkIfEmpty(to target: Int) {
        guard isEmpty, capacity > target * 4 else { return }
        storage.deallocate()
        storage = UnsafeMutableRawPointer.allocate(byteCount: target, alignment: 16)
        capacity = target
        readIndex = 0
        writeIndex = 0
    }

    /// Drops the contents and keeps only a minimal allocation (a closed connection).
    mutating func releaseMemory() {
        storage.deallocate()
        capacity = 64
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        readIndex = 0
        writeIndex = 0
    }

    mutating func removeAll() {
        readIndex = 0
        writeIndex = 0
    }

    // MARK: Writers (the caller has reserved room)

    @inline(__always)
    mutating func writeByte(_ byte: UInt8) {
        storage.storeBytes(of: byte, toByteOffset: writeIndex, as: UInt8.self)
        writeIndex += 1
    }

    @inline(__always)
    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            storage.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: writeIndex, as: UInt8.self)
            writeIndex += 1
            v >>= 7
        }
        storage.storeBytes(of: UInt8(v), toByteOffset: writeIndex, as: UInt8.self)
        writeIndex += 1
    }

    @inline(__always)
    mutating func writeUInt32BigEndian(_ value: UInt32) {
        storage.storeBytes(of: value.bigEndian, toByteOffset: writeIndex, as: UInt32.self)
        writeIndex += 4
    }

    @inline(__always)
    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        (storage + writeIndex).copyMemory(from: base, byteCount: bytes.count)
        writeIndex += bytes.count
    }

    @inline(__always)
    mutating func writeBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeBytes($0) }
    }

    @inline(__always)
    mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeBytes(UnsafeRawBufferPointer($0)) }
    }

    /// Bytes written after `mark` (a former `writeIndex`), for tests and truncation.
    var writeMark: Int { writeIndex }

    /// Undoes everything written after `mark`.
    mutating func truncate(to mark: Int) {
        precondition(mark >= readIndex && mark <= writeIndex)
        writeIndex = mark
    }

    /// A copy of the readable bytes.
    func copyReadable() -> [UInt8] {
        Array(readable)
    }
}
