import ConsentCore
import ConsentRPC
import ConsentStore
import ConsentTesting
import Foundation
import Testing
@testable import ConsentServer

/// The new transitions keep the hub's guarantees: answered only once durable,
/// a repeat answered with the current state (and only once that is durable),
/// and a restart recovers exactly what was answered.
@Suite(.serialized) struct LifecycleDurabilityTests {
    @Test func deleteAndEndAreDurableBeforeTheAnswer() throws {
        let storage = try FaultyStorage()
        defer { storage.remove() }
        let ledger = storage.ledger
        let now = SystemClock().now()
        for seed in DemoRegistry.commands { _ = ledger.execute(seed.command, by: seed.actor, at: now) }
        func create() throws -> RequestID {
            let outcome = ledger.execute(.createRequest(Demo.navRequest(validTo: now + .seconds(30 * 86_400))), by: .consumer(Demo.bank), at: now)
            guard case .success(.request(let view)) = outcome.result else { throw SetupError("not created: \(outcome.result)") }
            return view.id
        }
        let pending = try create()
        let consent = try create()
        _ = ledger.execute(.acceptRequest(consent, code: CodeGrant(codeHash: Array(repeating: 7, count: 32))), by: .endUser(Demo.user), at: now)

        storage.fileSystem.holdSyncs()
        let deleted = ledger.execute(.deleteRequest(pending), by: .consumer(Demo.bank), at: now)
        let ended = ledger.execute(.revokeConsent(consent), by: .consumer(Demo.bank), at: now)
        #expect((try? deleted.result.get()) != nil && (try? ended.result.get()) != nil)
        #expect(ledger.durableSequence < deleted.durableAfter, "the answer waits for the held sync")
        // A repeat records nothing, but shows the change: it waits for it too.
        let again = ledger.execute(.deleteRequest(pending), by: .consumer(Demo.bank), at: now)
        #expect(again.durableAfter == ended.durableAfter)
        storage.fileSystem.releaseSyncs()
        try waitUntil { ledger.durableSequence >= ended.durableAfter }
        ledger.close()

        let reopened = try storage.reopen()
        defer { reopened.close() }
        let statuses = try reopened.read { state throws(DomainError) in
            [try state.request(pending, by: .consumer(Demo.bank), at: now).status, try state.request(consent, by: .consumer(Demo.bank), at: now).status]
        }.value
        #expect(statuses == [.deleted, .revoked])
    }
}
