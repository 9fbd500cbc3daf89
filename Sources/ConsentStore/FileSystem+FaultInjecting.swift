#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// A ``FileSystem`` that forwards to another one (``POSIXFileSystem`` by
/// default) and fails chosen calls: `EIO` on the Nth write, `ENOSPC` from now
/// on, a failing `fdatasync`. It also counts calls, so tests and benchmarks can
/// see how many syncs group commit saved.
///
/// Used by the store's own tests and available to the server's tests.
public final class FaultInjectingFileSystem: FileSystem {
    /// The calls a fault can be attached to.
    public enum Operation: String, Sendable {
        case open, pwrite, pread, mmap, fdatasync, fsync, ftruncate, rename, unlink, mkdir
    }

    /// One planned failure.
    public struct Fault: Sendable {
        /// The call that fails.
        public var operation: Operation
        /// The `errno` it fails with.
        public var errno: Int32
        /// How many matching calls succeed before the first failure.
        public var after: Int
        /// Only calls whose path contains this text match (`nil`: all).
        public var pathContains: String?
        /// Whether every matching call after the first failure fails too
        /// (a full disk), or only one (a transient error).
        public var persistent: Bool
        /// For `pwrite`: write this many bytes for real before failing, to
        /// leave a torn record behind as a crash would.
        public var partialBytes: Int

        public init(_ operation: Operation, errno: Int32, after: Int = 0, pathContains: String? = nil, persistent: Bool = false, partialBytes: Int = 0) {
            self.operation = operation
            self.errno = errno
            self.after = after
            self.pathContains = pathContains
            self.persistent = persistent
            self.partialBytes = partialBytes
        }
    }

    /// Calls made so far, by operation (including failed ones).
    public struct Counts: Sendable {
        public var pwrite = 0
        public var fdatasync = 0
        public var fsync = 0
        public var open = 0
    }

    private struct State {
        var faults: [(fault: Fault, seen: Int)] = []
        var counts = Counts()
        var fsynced: [String] = []
    }

    private let base: any FileSystem
    private let state = Mutex(State())
    /// Closed: `fdatasync` waits until `releaseSyncs()`. Tests use it to see
    /// what callers are told while a change is applied but not yet on disk.
    private let syncGate = Mutex<DispatchSemaphore?>(nil)

    /// - Parameter base: the file system that does the real work.
    public init(base: any FileSystem = POSIXFileSystem()) {
        self.base = base
    }

    /// Plans a failure.
    public func inject(_ fault: Fault) {
        state.withLock { $0.faults.append((fault, 0)) }
    }

    /// Removes every planned failure (a disk that has been freed again).
    public func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }

    /// The calls made so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// The paths `fsync` was called on, in order (directories included).
    public var fsyncedPaths: [String] { state.withLock { $0.fsynced } }

    /// Makes every later `fdatasync` wait until `releaseSyncs()`.
    public func holdSyncs() {
        syncGate.withLock { gate in if gate == nil { gate = DispatchSemaphore(value: 0) } }
    }

    /// Lets held and later syncs through.
    public func releaseSyncs() {
        let gate = syncGate.withLock { gate -> DispatchSemaphore? in
            defer { gate = nil }
            return gate
        }
        // Enough for every writer that may be waiting (the log has one).
        for _ in 0..<16 { gate?.signal() }
    }

    /// Returns the fault that applies to this call, counting it.
    private func check(_ operation: Operation, _ path: String) -> Fault? {
        state.withLock { s in
            switch operation {
            case .pwrite: s.counts.pwrite += 1
            case .fdatasync: s.counts.fdatasync += 1
            case .fsync: s.counts.fsync += 1
            case .open: s.counts.open += 1
            default: break
            }
            for i in s.faults.indices where s.faults[i].fault.operation == operation {
                let fault = s.faults[i].fault
                if let text = fault.pathContains, !path.contains(text) { continue }
                s.faults[i].seen += 1
                guard s.faults[i].seen > fault.after else { continue }
                if !fault.persistent { s.faults.remove(at: i) }
                return fault
            }
            return nil
        }
    }

    private func fail(_ operation: Operation, _ path: String) throws(FileSystemError) {
        if let fault = check(operation, path) {
            throw FileSystemError(call: operation.rawValue, path: path, errno: fault.errno)
        }
    }

    public func open(_ path: String, mode: FileOpenMode) throws(FileSystemError) -> OpenFile {
        try fail(.open, path)
        return try base.open(path, mode: mode)
    }

    public func close(_ file: OpenFile) throws(FileSystemError) {
        try base.close(file)
    }

    public func pwrite(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int {
        if let fault = check(.pwrite, file.path) {
            let torn = min(fault.partialBytes, bytes.count)
            if torn > 0 {
                _ = try base.pwrite(file, UnsafeRawBufferPointer(rebasing: bytes[..<torn]), at: offset)
            }
            throw FileSystemError(call: "pwrite", path: file.path, errno: fault.errno)
        }
        return try base.pwrite(file, bytes, at: offset)
    }

    public func pread(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int {
        try fail(.pread, file.path)
        return try base.pread(file, into: buffer, at: offset)
    }

    /// Maps through the base file system, unless a `pread` fault could match
    /// this path: then nil, so the caller reads and meets the fault.
    public func mapReadOnly(_ file: OpenFile, length: Int) throws(FileSystemError) -> MappedFile? {
        try fail(.mmap, file.path)
        let readFails = state.withLock { s in
            s.faults.contains { $0.fault.operation == .pread && ($0.fault.pathContains.map { file.path.contains($0) } ?? true) }
        }
        return readFails ? nil : try base.mapReadOnly(file, length: length)
    }

    public func fdatasync(_ file: OpenFile) throws(FileSystemError) {
        if let gate = syncGate.withLock({ $0 }) { gate.wait() }
        try fail(.fdatasync, file.path)
        try base.fdatasync(file)
    }

    public func fsync(_ file: OpenFile) throws(FileSystemError) {
        state.withLock { $0.fsynced.append(file.path) }
        try fail(.fsync, file.path)
        try base.fsync(file)
    }

    public func ftruncate(_ file: OpenFile, to length: Int64) throws(FileSystemError) {
        try fail(.ftruncate, file.path)
        try base.ftruncate(file, to: length)
    }

    public func size(of file: OpenFile) throws(FileSystemError) -> Int64 {
        try base.size(of: file)
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        try fail(.rename, to)
        try base.rename(from, to: to)
    }

    public func unlink(_ path: String) throws(FileSystemError) {
        try fail(.unlink, path)
        try base.unlink(path)
    }

    public func mkdir(_ path: String) throws(FileSystemError) {
        try fail(.mkdir, path)
        try base.mkdir(path)
    }

    public func listDirectory(_ path: String) throws(FileSystemError) -> [String] {
        try base.listDirectory(path)
    }

    public func tryLockExclusive(_ file: OpenFile) throws(FileSystemError) -> Bool {
        try base.tryLockExclusive(file)
    }

    public func unlock(_ file: OpenFile) throws(FileSystemError) {
        try base.unlock(file)
    }
}
