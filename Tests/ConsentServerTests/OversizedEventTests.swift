import ConsentCore
import ConsentRPC
import ConsentStore
import ConsentTesting
import Foundation
import Testing
@testable import ConsentServer

/// A change whose event is over the log's record limit is refused by itself:
/// the log would refuse the record, and that used to read as a storage
/// failure that stopped every write until a restart.
@Suite struct OversizedEventTests {
    @Test func anOversizedChangeIsRefusedAloneAndTheHubGoesOnWriting() throws {
        let directory = TestHub.makeTemporaryDirectory("oversized")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LogOptions()
        options.maxPayloadSize = 4096
        let ledger = try ConsentLedger(directory: directory, options: options)
        defer { ledger.close() }
        let now = SystemClock().now()
        var big = LedgerTestService.resource(7)
        big.text = LocalizedText(bokmal: String(repeating: "Ø", count: 1000), nynorsk: String(repeating: "Æ", count: 1000),
                                 english: String(repeating: "Å", count: 1000))
        let refused = ledger.execute(.registerResource(big), by: .dataSource(LedgerTestService.owner), at: now)
        guard case .failure(let error) = refused.result else {
            Issue.record("an event over 4,096 bytes was accepted")
            return
        }
        #expect(error.code == .resourceExhausted)
        #expect(error.trailers[DomainErrorMapping.reasonKey] == "event_too_large")
        #expect(ledger.isWritable, "still taking changes")
        #expect(try registeredNumbers(ledger).isEmpty, "nothing of the refused change is in the state")

        let accepted = ledger.execute(.registerResource(LedgerTestService.resource(8)), by: .dataSource(LedgerTestService.owner), at: now)
        #expect((try? accepted.result.get()) != nil)
        #expect(try registeredNumbers(ledger) == [8])
    }
}
