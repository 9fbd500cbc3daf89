/// A frame length announced by the peer is over the receiver's limit, or the
/// byte stream cannot be a frame sequence.
public enum FrameError: Error, Hashable, Sendable, CustomStringConvertible {
    case frameTooLarge(length: UInt32, limit: Int)

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit):
            return "frame of \(length) bytes exceeds the limit of \(limit) bytes"
        }
    }
}

/// The limits every ConsentHub endpoint applies unless configured otherwise (DESIGN §4).
public enum FrameLimits {
    /// 4 MiB: the largest frame body a peer may send.
    public static let defaultMaxFrameSize = 4 * 1024 * 1024
    /// Bytes of the length prefix.
    public static let prefixSize = 4
    /// The most metadata entries one call may carry. The entries are read
    /// before anyone checks the caller, so a frame of empty entries must not
    /// cost the server millions of strings.
    public static let maxMetadataEntries = 64
    /// The most bytes of metadata entries one call may carry.
    public static let maxMetadataBytes = 16 * 1024
}

/// Splits a byte stream into frame bodies: `uint32 big-endian length | body`.
///
/// Bytes can arrive in any split: one byte at a time, several frames in one
/// read, a frame spread over many. The length is checked against the limit as
/// soon as its four bytes are in, before any of the body is buffered, so a peer
/// announcing 4 GiB costs nothing; below the limit the buffer still grows only
/// with the bytes that actually arrive. The buffer is owned memory reused across
/// reads: the transport reads straight into `writableSpace` and parses in place.
public struct FrameDecoder: ~Copyable {
    public let maxFrameSize: Int
    private let initialCapacity: Int
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var readIndex = 0
    private var writeIndex = 0

    public init(maxFrameSize: Int = FrameLimits.defaultMaxFrameSize, initialCapacity: Int = 16 * 1024) {
        precondition(maxFrameSize > 0 && initialCapacity >= FrameLimits.prefixSize)
        self.maxFrameSize = maxFrameSize
        self.initialCapacity = initialCapacity
        self.capacity = initialCapacity
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: initialCapacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { writeIndex - readIndex }

    /// Bytes allocated for the buffer.
    public var capacityBytes: Int { capacity }

    /// Room for at least `minimum` more bytes at the end of the buffer; report
    /// what was written there with `didWrite(_:)`.
    public mutating func writableSpace(minimum: Int) -> UnsafeMutableRawBufferPointer {
        reserve(minimum)
        return UnsafeMutableRawBufferPointer(start: storage + writeIndex, count: capacity - writeIndex)
    }

    public mutating func didWrite(_ count: Int) {
        precondition(count >= 0 && writeIndex + count <= capacity)
        writeIndex += count
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let space = writableSpace(minimum: bytes.count)
        space.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        didWrite(bytes.count)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete frame body, or nil when more bytes are needed.
    ///
    /// - Returns: memory inside the decoder, valid until the next mutating call.
    /// - Throws: `FrameError.frameTooLarge` as soon as a length over the limit is
    ///   seen; the stream cannot be resynchronised after that.
    public mutating func nextFrame() throws(FrameError) -> UnsafeRawBufferPointer? {
        let available = writeIndex - readIndex
        guard available >= FrameLimits.prefixSize else {
            compactIfEmpty()
            return nil
        }
        let p = storage + readIndex
        let length = UInt32(p.load(as: UInt8.self)) << 24 | UInt32(p.load(fromByteOffset: 1, as: UInt8.self)) << 16
            | UInt32(p.load(fromByteOffset: 2, as: UInt8.self)) << 8 | UInt32(p.load(fromByteOffset: 3, as: UInt8.self))
        guard length <= maxFrameSize else {
            throw .frameTooLarge(length: length, limit: maxFrameSize)
        }
        let total = FrameLimits.prefixSize + Int(length)
        guard available >= total else {
            // The buffer grows with the bytes that arrive (`writableSpace`
            // doubles it), never with the length announced: a peer that
            // announces 4 MiB and sends ten bytes costs ten bytes.
            return nil
        }
        readIndex += total
        return UnsafeRawBufferPointer(start: p + FrameLimits.prefixSize, count: Int(length))
    }

    /// Ensures `extra` bytes fit after `writeIndex`, moving unread bytes to the
    /// front first (cheaper than growing), and growing only when that is not enough.
    private mutating func reserve(_ extra: Int) {
        if writeIndex + extra <= capacity { return }
        let unread = writeIndex - readIndex
        if readIndex > 0 {
            if unread > 0 { storage.copyMemory(from: storage + readIndex, byteCount: unread) }
            readIndex = 0
            writeIndex = unread
            if writeIndex + extra <= capacity { return }
        }
        var newCapacity = capacity
        while newCapacity < unread + extra { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if unread > 0 { newStorage.copyMemory(from: storage, byteCount: unread) }
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Gives the buffer back, keeping only a minimal one: for a connection
    /// that has closed but whose object something still references (a timer
    /// entry, an unanswered call's responder). Unread bytes are dropped.
    public mutating func releaseMemory() {
        storage.deallocate()
        capacity = FrameLimits.prefixSize
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        readIndex = 0
        writeIndex = 0
    }

    /// Once everything has been consumed, rewinds to the start and gives back
    /// memory grown for an unusually large frame.
    private mutating func compactIfEmpty() {
        guard readIndex == writeIndex else {
            if readIndex > capacity / 2 { reserve(capacity - (writeIndex - readIndex)) }
            return
        }
        readIndex = 0
        writeIndex = 0
        if capacity > 4 * initialCapacity {
            storage.deallocate()
            storage = UnsafeMutableRawPointer.allocate(byteCount: initialCapacity, alignment: 16)
            capacity = initialCapacity
        }
    }
}
