#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

/// A snapshot is mapped at restart (`SnapshotFile.load`). A page of a mapped
/// file that cannot be read (a disk read error, or the file shorter than the
/// mapping) is not an error code as `pread`'s `EIO` or short read was: the
/// access raises SIGBUS and kills the process. The start must still refuse
/// that snapshot and fall back to the older one, as it did when it read.
@Suite("Mapped snapshots")
struct MappedSnapshotTests {
    /// POSIX, except that the snapshot named `shrinking` is cut to one page
    /// just before it is mapped at the length measured before: the mapping's
    /// later pages have nothing behind them, as after a read error.
    struct ShrinkingBeforeMap: FileSystem {
        let base = POSIXFileSystem()
        let shrinking: String

        func mapReadOnly(_ file: OpenFile, length: Int) throws(FileSystemError) -> MappedFile? {
            if file.path.hasSuffix(shrinking) { _ = Glibc.truncate(file.path, 4096) }
            return try base.mapReadOnly(file, length: length)
        }

        func open(_ path: String, mode: FileOpenMode) throws(FileSystemError) -> OpenFile { try base.open(path, mode: mode) }
        func close(_ file: OpenFile) throws(FileSystemError) { try base.close(file) }
        func pwrite(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int { try base.pwrite(file, bytes, at: offset) }
        func pread(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int { try base.pread(file, into: buffer, at: offset) }
        func fdatasync(_ file: OpenFile) throws(FileSystemError) { try base.fdatasync(file) }
        func fsync(_ file: OpenFile) throws(FileSystemError) { try base.fsync(file) }
        func ftruncate(_ file: OpenFile, to length: Int64) throws(FileSystemError) { try base.ftruncate(file, to: length) }
        func size(of file: OpenFile) throws(FileSystemError) -> Int64 { try base.size(of: file) }
        func rename(_ from: String, to: String) throws(FileSystemError) { try base.rename(from, to: to) }
        func unlink(_ path: String) throws(FileSystemError) { try base.unlink(path) }
        func mkdir(_ path: String) throws(FileSystemError) { try base.mkdir(path) }
        func listDirectory(_ path: String) throws(FileSystemError) -> [String] { try base.listDirectory(path) }
        func tryLockExclusive(_ file: OpenFile) throws(FileSystemError) -> Bool { try base.tryLockExclusive(file) }
        func unlock(_ file: OpenFile) throws(FileSystemError) { try base.unlock(file) }
    }

    @Test("A newest snapshot whose mapped pages cannot be read is skipped; the older one and the log rebuild the state (no SIGBUS)")
    func unreadablePagesFallBack() async {
        // In a child process: before the fix the restart dies of SIGBUS.
        await #expect(processExitsWith: .success) {
            let dir = TestDirectory()
            defer { dir.remove() }
            let size = 5_000   // seven payloads of 5,000 bytes: a snapshot of about nine pages
            let (log, _, _) = try openToy(dir)
            for i in 1...10 { _ = try log.appendAndWait(i, size: size).get() }
            let older = try log.snapshotNow()
            for i in 11...20 { _ = try log.appendAndWait(i, size: size).get() }
            let newest = try log.snapshotNow()
            for i in 21...25 { _ = try log.appendAndWait(i, size: size).get() }
            log.close()
            precondition(dir.size(newest.file!) > 3 * 4096, "the snapshot spans several pages")

            let lines = LogLines()
            let (reopened, state, report) = try openToy(dir, testOptions(lines), fileSystem: ShrinkingBeforeMap(shrinking: newest.file!))
            reopened.close()
            precondition(report.snapshotFile == older.file, "fell back to the older snapshot: \(report)")
            precondition(report.recordsReplayed == 15)
            precondition(state == expectedState(25, size: size))
            precondition(lines.contains("skipping snapshot \(newest.file!)"), "\(lines.all)")
        }
    }
    @Test("A snapshot that cannot be mapped (mmap fails with EIO) is skipped; the older one and the log rebuild the state")
    func mapFailureFallsBack() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        for i in 1...10 { _ = try log.appendAndWait(i).get() }
        let older = try log.snapshotNow()
        for i in 11...20 { _ = try log.appendAndWait(i).get() }
        let newest = try log.snapshotNow()
        log.close()

        let fs = FaultInjectingFileSystem()
        fs.inject(.init(.mmap, errno: EIO, pathContains: newest.file!))
        let lines = LogLines()
        let (reopened, state, report) = try openToy(dir, testOptions(lines), fileSystem: fs)
        reopened.close()
        #expect(report.snapshotFile == older.file && report.recordsReplayed == 10)
        #expect(state == expectedState(20))
        #expect(report.skippedSnapshots.first?.contains("mmap") == true, "\(report.skippedSnapshots)")
        #expect(lines.contains("skipping snapshot \(newest.file!)"))
    }
}
