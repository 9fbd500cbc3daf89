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
}
