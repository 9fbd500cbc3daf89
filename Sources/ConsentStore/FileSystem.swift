/// The file system calls the store makes, as a protocol so tests can inject
/// `EIO`, `ENOSPC` and failing syncs (``FaultInjectingFileSystem``).
///
/// Modelled on swift-nio's `NIOFS` syscall layer: every call names itself and
/// the path it touched in the ``FileSystemError`` it throws, `errno` is read
/// immediately after the call, and `EINTR` is retried inside the implementation.
/// ``POSIXFileSystem`` is the real one.
public protocol FileSystem: Sendable {
    /// Opens (and, per `mode`, creates) a file or directory.
    /// - Throws: ``FileSystemError`` naming `open` and the path.
    func open(_ path: String, mode: FileOpenMode) throws(FileSystemError) -> OpenFile

    /// Closes a descriptor. Never retried on `EINTR` (Linux has closed it anyway).
    /// - Throws: ``FileSystemError``; the descriptor is gone either way.
    func close(_ file: OpenFile) throws(FileSystemError)

    /// Writes up to `bytes.count` bytes at `offset`; returns how many were written.
    /// - Throws: ``FileSystemError`` (for example `ENOSPC`, `EIO`).
    func pwrite(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (0 at end of file).
    /// - Throws: ``FileSystemError``.
    func pread(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int

    /// Flushes the file's data (and the size, if it changed) to stable storage.
    /// - Throws: ``FileSystemError``. A failed sync must not be retried: the
    ///   kernel may have dropped the dirty pages and a second sync would lie.
    func fdatasync(_ file: OpenFile) throws(FileSystemError)

    /// Flushes data and all metadata; used for new files and for directories.
    /// - Throws: ``FileSystemError``; not to be retried either.
    func fsync(_ file: OpenFile) throws(FileSystemError)

    /// Sets the file's length.
    /// - Throws: ``FileSystemError``.
    func ftruncate(_ file: OpenFile, to length: Int64) throws(FileSystemError)

    /// The file's length (`fstat`).
    /// - Throws: ``FileSystemError``.
    func size(of file: OpenFile) throws(FileSystemError) -> Int64

    /// Atomically replaces `to` with `from`.
    /// - Throws: ``FileSystemError``.
    func rename(_ from: String, to: String) throws(FileSystemError)

    /// Removes a file.
    /// - Throws: ``FileSystemError``.
    func unlink(_ path: String) throws(FileSystemError)

    /// Creates a directory (mode 0700: the log holds personal data).
    /// - Throws: ``FileSystemError`` (`EEXIST` if it exists).
    func mkdir(_ path: String) throws(FileSystemError)

    /// The names in a directory, without `.` and `..`, in no particular order.
    /// - Throws: ``FileSystemError``.
    func listDirectory(_ path: String) throws(FileSystemError) -> [String]

    /// `flock(LOCK_EX | LOCK_NB)`: returns `false` if another open file
    /// description holds the lock.
    /// - Throws: ``FileSystemError`` for anything but "would block".
    func tryLockExclusive(_ file: OpenFile) throws(FileSystemError) -> Bool
    /// Releases a lock taken with `tryLockExclusive` (`flock(LOCK_UN)`).
    func unlock(_ file: OpenFile) throws(FileSystemError)
    /// Maps the first `length` bytes of `file` read-only (`mmap`, read
    /// sequentially, every page faulted in before it returns), or nil when
    /// this file system does not map and the caller should read instead.
    /// Only for files that are never changed once written (snapshots): a
    /// mapping of a file cut short under it later would fault (SIGBUS) on
    /// access.
    /// - Throws: ``FileSystemError`` from `mmap`, or from `madvise` when a
    ///   page cannot be read (`EFAULT`, `EIO`, `EHWPOISON`).
    func mapReadOnly(_ file: OpenFile, length: Int) throws(FileSystemError) -> MappedFile?
}

extension FileSystem {
    /// Not mapped: the caller reads with `pread`.
    public func mapReadOnly(_ file: OpenFile, length: Int) throws(FileSystemError) -> MappedFile? { nil }
}

/// Bytes of a file mapped read-only (or read into memory where the file
/// system does not map), released when the last reference goes. A mapping
/// stays valid after the descriptor is closed.
public final class MappedFile: @unchecked Sendable {
    // @unchecked: the bytes are read-only for the mapping's whole life, so
    // threads may read them concurrently (the snapshot's check and decode).
    /// The mapped bytes.
    public let bytes: UnsafeRawBufferPointer
    private let unmap: (UnsafeRawBufferPointer) -> Void

    /// - Parameter unmap: releases the mapping (`munmap`), called once from `deinit`.
    public init(bytes: UnsafeRawBufferPointer, unmap: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.bytes = bytes
        self.unmap = unmap
    }

    deinit { unmap(bytes) }
}

/// How ``FileSystem/open(_:mode:)`` opens a path. Every mode sets `O_CLOEXEC`.
public enum FileOpenMode: Sendable, Equatable {
    /// `O_RDONLY`.
    case readOnly
    /// `O_RDWR`, plus `O_CREAT` (mode 0600) when `create` is true.
    case readWrite(create: Bool)
    /// `O_RDWR | O_CREAT | O_EXCL` (mode 0600): fails if the file exists.
    case createNew
    /// `O_RDONLY | O_DIRECTORY`: for `fsync` of a directory.
    case directory
}

/// An open descriptor and the path it was opened with (for error messages).
public struct OpenFile: Sendable, Hashable {
    /// The descriptor.
    public let descriptor: Int32
    /// The path given to `open`.
    public let path: String

    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }
}

/// A failed file system call: which call, on which path, and the `errno`.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call, as in `man 2`: `"pwrite"`, `"fdatasync"`, …
    public var call: String
    /// The path the call was about.
    public var path: String
    /// The `errno` captured right after the call.
    public var errno: Int32

    public init(call: String, path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    /// `"No space left on device (ENOSPC)"`.
    public var reason: String { ErrnoText.describe(errno) }

    /// `"pwrite(/data/log-….seg): No space left on device (ENOSPC)"`.
    public var description: String { "\(call)(\(path)): \(reason)" }
}
