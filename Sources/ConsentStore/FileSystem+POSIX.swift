#if canImport(Glibc)
import Glibc
#endif

/// The real ``FileSystem``: thin wrappers over the Linux system calls.
///
/// Like swift-nio's `System.swift`, each wrapper is `@inline(never)` and reads
/// `errno` straight after the call, retries `EINTR`, and throws a
/// ``FileSystemError`` naming the call and the path. This file and
/// `Internal/PosixThread.swift` are the only places in the module that touch C
/// pointers.
public struct POSIXFileSystem: FileSystem {
    public init() {}

    @inline(never)
    public func open(_ path: String, mode: FileOpenMode) throws(FileSystemError) -> OpenFile {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY
        case .readWrite(let create): flags = O_RDWR | (create ? O_CREAT : 0)
        case .createNew: flags = O_RDWR | O_CREAT | O_EXCL
        case .directory: flags = O_RDONLY | O_DIRECTORY
        }
        let fd = try retryingEINTR("open", path) { Int(Glibc.open(path, flags | O_CLOEXEC, 0o600)) }
        return OpenFile(descriptor: Int32(fd), path: path)
    }

    @inline(never)
    public func close(_ file: OpenFile) throws(FileSystemError) {
        // Not retried: on Linux the descriptor is released even when close
        // reports EINTR, and retrying could close someone else's new descriptor.
        if Glibc.close(file.descriptor) != 0 {
            let code = errno
            if code != EINTR { throw FileSystemError(call: "close", path: file.path, errno: code) }
        }
    }

    @inline(never)
    public func pwrite(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int {
        try retryingEINTR("pwrite", file.path) { Glibc.pwrite(file.descriptor, bytes.baseAddress, bytes.count, off_t(offset)) }
    }

    @inline(never)
    public func pread(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int {
        try retryingEINTR("pread", file.path) { Glibc.pread(file.descriptor, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    @inline(never)
    public func fdatasync(_ file: OpenFile) throws(FileSystemError) {
        // EINTR cannot happen for fdatasync on Linux, but if it ever did the
        // sync had not started, so trying again is sound (unlike EIO).
        _ = try retryingEINTR("fdatasync", file.path) { Int(Glibc.fdatasync(file.descriptor)) }
    }

    @inline(never)
    public func fsync(_ file: OpenFile) throws(FileSystemError) {
        _ = try retryingEINTR("fsync", file.path) { Int(Glibc.fsync(file.descriptor)) }
    }

    @inline(never)
    public func ftruncate(_ file: OpenFile, to length: Int64) throws(FileSystemError) {
        _ = try retryingEINTR("ftruncate", file.path) { Int(Glibc.ftruncate(file.descriptor, off_t(length))) }
    }

    @inline(never)
    public func size(of file: OpenFile) throws(FileSystemError) -> Int64 {
        var info = stat()
        _ = try retryingEINTR("fstat", file.path) { Int(Glibc.fstat(file.descriptor, &info)) }
        return Int64(info.st_size)
    }

    @inline(never)
    public func mapReadOnly(_ file: OpenFile, length: Int) throws(FileSystemError) -> MappedFile? {
        // An empty mapping is refused by mmap (EINVAL); nothing to read anyway.
        guard length > 0 else { return MappedFile(bytes: UnsafeRawBufferPointer(start: nil, count: 0)) { _ in } }
        guard let address = Glibc.mmap(nil, length, PROT_READ, MAP_PRIVATE, file.descriptor, 0), address != MAP_FAILED else {
            throw FileSystemError(call: "mmap", path: file.path, errno: errno)
        }
        // Read once front to back by the checksum and the decoder: a larger
        // read-ahead, and pages behind the readers may be reclaimed first.
        _ = Glibc.madvise(address, length, MADV_SEQUENTIAL)
        // Fault every page in now: a page that cannot be read (a disk read
        // error, the file shorter than the mapping) is then an error here,
        // which skips the snapshot as pread's EIO did, instead of SIGBUS in
        // the decoder, which would kill every start. Any other refusal (a
        // kernel before 5.14 does not know the advice, EINVAL; ENOMEM) says
        // nothing against the file, which must not be set aside for it: it
        // stays mapped as before, faulted in by its readers.
        while Glibc.madvise(address, length, MADV_POPULATE_READ) != 0 {
            let code = errno
            if code == EINTR || code == EAGAIN { continue }
            guard code == EFAULT || code == EIO || code == EHWPOISON else { break }
            _ = Glibc.munmap(address, length)
            throw FileSystemError(call: "madvise(MADV_POPULATE_READ)", path: file.path, errno: code)
        }
        return MappedFile(bytes: UnsafeRawBufferPointer(start: address, count: length)) { bytes in
            _ = Glibc.munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        }
    }

    @inline(never)
    public func rename(_ from: String, to: String) throws(FileSystemError) {
        _ = try retryingEINTR("rename", "\(from) -> \(to)") { Int(Glibc.rename(from, to)) }
    }

    @inline(never)
    public func unlink(_ path: String) throws(FileSystemError) {
        _ = try retryingEINTR("unlink", path) { Int(Glibc.unlink(path)) }
    }

    @inline(never)
    public func mkdir(_ path: String) throws(FileSystemError) {
        _ = try retryingEINTR("mkdir", path) { Int(Glibc.mkdir(path, 0o700)) }
    }

    @inline(never)
    public func listDirectory(_ path: String) throws(FileSystemError) -> [String] {
        guard let dir = opendir(path) else {
            throw FileSystemError(call: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                let code = errno
                if code != 0 { throw FileSystemError(call: "readdir", path: path, errno: code) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    @inline(never)
    public func tryLockExclusive(_ file: OpenFile) throws(FileSystemError) -> Bool {
        while true {
            if flock(file.descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK || code == EAGAIN { return false }
            throw FileSystemError(call: "flock", path: file.path, errno: code)
        }
    }

    public func unlock(_ file: OpenFile) throws(FileSystemError) {
        _ = try retryingEINTR("flock", file.path) { Int(flock(file.descriptor, LOCK_UN)) }
    }
}

/// Runs a syscall until it stops failing with `EINTR`; turns any other
/// failure into a ``FileSystemError`` with `errno` read before anything else runs.
@inline(__always)
private func retryingEINTR(_ call: String, _ path: String, _ body: () -> Int) throws(FileSystemError) -> Int {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw FileSystemError(call: call, path: path, errno: code)
    }
}

/// Process-level helpers that are not file calls but need libc.
enum Process {
    /// This process's id, written into the LOCK file.
    static var id: Int32 { getpid() }

    /// Writes one line to standard error: the default log sink.
    static func writeToStandardError(_ line: String) {
        var text = line
        text.append("\n")
        text.withUTF8 { bytes in
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                let n = Glibc.write(2, rest.baseAddress, rest.count)
                if n < 0 { if errno == EINTR { continue } else { return } }
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            }
        }
    }
}

/// The default log sink of the stores in this package: one line to standard error.
package func writeLineToStandardError(_ line: String) {
    Process.writeToStandardError(line)
}
