#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

@Suite("Lock file")
struct LockFileTests {
    @Test("a second open of the same directory is refused with a clear message naming the owner")
    func secondOpenRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        let error = try #require(openToyFailure(dir))
        #expect(error == .directoryInUse(directory: dir.data, pid: getpid()))
        #expect("\(error)" == "data directory \(dir.data) is in use by another consentd (pid \(getpid()))")
        _ = try log.appendAndWait(1).get()
        log.close()

        // Closing releases it.
        let (again, state, _) = try openToy(dir)
        again.close()
        #expect(state.count == 1)
    }

    /// Regression: `make test` once refused a reopen as "in use" because a
    /// child spawned by a parallel test still held a copy of the lock's
    /// descriptor (between fork and exec). A duplicate descriptor stands in
    /// for that child here: closing the log must release the lock anyway.
    @Test("closing releases the lock even while another descriptor still refers to it")
    func closeReleasesLockDespiteACopiedDescriptor() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        let lockPath = dir.data + "/LOCK"
        let lockDescriptor = try #require(Self.openDescriptor(for: lockPath), "the log holds \(lockPath) open")
        let copy = dup(lockDescriptor)
        #expect(copy >= 0)
        defer { close(copy) }
        log.close()
        let (again, _, _) = try openToy(dir)
        again.close()
    }

    /// The descriptor of this process that has `path` open, from /proc/self/fd.
    static func openDescriptor(for path: String) -> Int32? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name) else { continue }
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            if String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == path { return fd }
        }
        return nil
    }
}

@Suite("Closing")
struct ClosingTests {
    @Test("close from inside a completion does not deadlock, and the directory is released")
    func closeFromCompletion() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        let done = Waiter<Result<UInt64, StoreError>>()
        log.append(type: 1, payload: payload(1)) { result in
            log.close()
            done.set(result)
        }
        #expect(try done.wait().get() == 1)
        // The close finishes in the background; the lock frees soon after.
        var reopened: ToyLog?
        for _ in 0..<500 where reopened == nil {
            reopened = try? openToy(dir).log
            if reopened == nil { usleep(10_000) }
        }
        let again = try #require(reopened)
        #expect(again.durableSequence == 1)
        again.close()
    }
}
