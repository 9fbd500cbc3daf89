#if canImport(Glibc)
import Glibc
#endif

/// Whole-buffer reads and writes built on the primitive calls, so every
/// implementation of ``FileSystem`` gets short-write handling for free.
extension FileSystem {
    /// Writes all of `bytes` at `offset`, looping over short writes.
    /// - Throws: ``FileSystemError`` from `pwrite`; some prefix may have been written.
    package func writeAll(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(FileSystemError) {
        var done = 0
        while done < bytes.count {
            let n = try pwrite(file, UnsafeRawBufferPointer(rebasing: bytes[done...]), at: offset + Int64(done))
            // A zero-byte write of a non-empty buffer would loop forever; the
            // kernel only does that when the device is full.
            if n == 0 { throw FileSystemError(call: "pwrite", path: file.path, errno: ENOSPC) }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset`.
    /// - Throws: ``FileSystemError`` from `pwrite`.
    package func writeAll(_ file: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { raw in
            do throws(FileSystemError) { try writeAll(file, raw, at: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads `count` bytes from `offset`, or fewer if the file ends first.
    /// - Throws: ``FileSystemError`` from `pread`.
    package func read(_ file: OpenFile, count: Int, at offset: Int64) throws(FileSystemError) -> [UInt8] {
        var failure: FileSystemError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            var done = 0
            while done < count {
                do throws(FileSystemError) {
                    let n = try pread(file, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[done...]), at: offset + Int64(done))
                    if n == 0 { break }
                    done += n
                } catch {
                    failure = error
                    break
                }
            }
            initialised = done
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads a whole file.
    /// - Throws: ``FileSystemError`` from `open`, `fstat` or `pread`.
    package func readFile(_ path: String) throws(FileSystemError) -> [UInt8] {
        let file = try open(path, mode: .readOnly)
        defer { try? close(file) }
        let size = try size(of: file)
        return try read(file, count: Int(size), at: 0)
    }

    /// `fsync` of a directory, so that a created, renamed or removed entry survives power loss.
    /// - Throws: ``FileSystemError`` from `open` or `fsync`.
    package func syncDirectory(_ path: String) throws(FileSystemError) {
        let dir = try open(path, mode: .directory)
        defer { try? close(dir) }
        try fsync(dir)
    }
}
