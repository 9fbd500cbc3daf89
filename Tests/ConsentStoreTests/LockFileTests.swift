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
