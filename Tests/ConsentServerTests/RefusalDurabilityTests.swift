import ConsentCore
import ConsentRPC
import ConsentStore
import ConsentTesting
import Foundation
import Testing
@testable import ConsentServer

/// A refusal can reveal a change that is applied but not yet on disk (a
/// withdrawal, an accept, a registration). Such a refusal waits for that
/// change's sync like any answer: a crash in between could otherwise undo
/// what the caller was told.
@Suite(.serialized) struct RefusalDurabilityTests {
    static func recorded(_ error: RPCError?) -> UInt64? {
        (error?.cause as? RecordedRefusal)?.durableAfter
    }

    @Test func refusalsWaitForTheChangesTheyReveal() throws {
        let storage = try FaultyStorage()
        defer { storage.remove() }
        let ledger = storage.ledger
        let now = SystemClock().now()
        #expect((try? ledger.execute(.registerResource(LedgerTestService.resource(1)), by: .dataSource(LedgerTestService.owner), at: now).result.get()) != nil)

        storage.fileSystem.holdSyncs()
        let pending = ledger.execute(.registerResource(LedgerTestService.resource(5)), by: .dataSource(LedgerTestService.owner), at: now)
        #expect((try? pending.result.get()) != nil)
        #expect(ledger.durableSequence < pending.durableAfter, "the sync is held")

        // Skatteetaten may not take over resource 5: a refusal that shows it exists.
        var takeover = LedgerTestService.resource(5)
        takeover.owner = DemoRegistry.skatteetaten
        let refused = ledger.execute(.registerResource(takeover), by: .dataSource(DemoRegistry.skatteetaten), at: now)
        guard case .failure(let error) = refused.result else {
            Issue.record("the takeover was accepted")
            storage.fileSystem.releaseSyncs()
            return
        }
        #expect(error.code == .permissionDenied)
        #expect(Self.recorded(error) == pending.durableAfter, "answered only once resource 5 is durable")

        // A query refused on what it saw waits the same way.
        let read = Result { () throws(RPCError) in
            try ledger.read { state throws(DomainError) in try state.request(RequestID(high: 1, low: 1), by: .admin(DemoRegistry.nav), at: now) }
        }
        if case .failure(let error) = read {
            #expect(Self.recorded(error) == pending.durableAfter)
        } else {
            Issue.record("an unknown request was found")
        }

        storage.fileSystem.releaseSyncs()
        ledger.close()
    }
}
