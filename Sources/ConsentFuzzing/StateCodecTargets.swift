import ConsentCore
import ConsentServer

extension FuzzTarget {
    /// ConsentCore's event decoder (`EventCodec`, the payload of every log
    /// record): an event that decodes encodes to bytes that decode to the same
    /// event, and encode to the same bytes again.
    ///
    /// Input: one record payload.
    public static let eventCodec = FuzzTarget("FuzzEventCodec") { input throws(FuzzFailure) in
        let bytes = Array(input)
        guard let event = try? EventCodec.decode(bytes) else { return }
        let encoded = EventCodec.encode(event)
        let again: Event
        do {
            again = try EventCodec.decode(encoded)
        } catch {
            throw FuzzFailure("\(hex(bytes)) decodes as \(event), whose encoding \(hex(encoded)) does not decode: \(error)")
        }
        guard again == event else {
            throw FuzzFailure("\(hex(bytes)) decodes as \(event), whose encoding \(hex(encoded)) decodes as \(again)")
        }
        guard EventCodec.encode(again) == encoded else {
            throw FuzzFailure("\(event) encodes differently the second time")
        }
    }

    /// ConsentCore's snapshot decoder (`ConsentState(snapshot:)`, what a
    /// restart loads, with a version-5 snapshot's events section on a second
    /// thread as a restart decodes it): the decode on two threads and on one
    /// agree, a state that loads is written and loaded again as an equal
    /// state, and answers the reads a restart leads to (feeds, logs, expiry)
    /// without crashing.
    ///
    /// Input: one snapshot body.
    public static let snapshot = FuzzTarget("FuzzSnapshot") { input throws(FuzzFailure) in
        let bytes = Array(input)
        let oneThread = try? ConsentState(snapshot: bytes)
        let state: ConsentState
        do {
            state = try ConsentState(snapshot: bytes, helper: .ownThread)
        } catch {
            guard oneThread == nil else { throw FuzzFailure("the snapshot \(hex(bytes)) loads on one thread, not on two: \(error)") }
            return
        }
        guard oneThread == state else { throw FuzzFailure("the snapshot \(hex(bytes)) loads on two threads, differently or not at all on one") }
        let encoded = state.encodeSnapshot()
        let again: ConsentState
        do {
            again = try ConsentState(snapshot: encoded)
        } catch {
            throw FuzzFailure("the snapshot \(hex(bytes)) loads, but its encoding \(hex(encoded)) does not: \(error)")
        }
        guard again == state else {
            throw FuzzFailure("the snapshot \(hex(bytes)) loads as a state that loads differently after writing it (\(hex(encoded)))")
        }
        StateReads.exercise(state)
    }
}

/// Reads of every kind on a state that came from outside, as a restarted
/// hub serves them: a snapshot that loads must not crash the hub later.
enum StateReads {
    /// The demo user of the captured traffic (a synthetic national id), at level 4.
    /// Kept as the struct, not as `Actor`: an enum payload's pointer carries
    /// the case in its spare bits, which LeakSanitizer does not recognise as a
    /// pointer, so a global `Actor.endUser` would be reported as a leak.
    static let endUser = EndUser(
        nationalId: try! NationalIdentityNumber(validating: "15038512363"), assuranceLevel: .high,
        maySignFor: [DemoRegistry.bankenAS])

    static func exercise(_ state: ConsentState) {
        let now = DemoHub.now
        for actor in [DemoHub.admin, DemoHub.bank, Actor.dataSource(DemoRegistry.nav)] {
            _ = state.resources(visibleTo: actor)
            _ = try? state.authorisations(visibleTo: actor)
            guard let page = try? state.events(after: 0, for: actor, limit: 50) else { continue }
            for id in Set(page.entries.compactMap(\.requestID)) {
                _ = try? state.request(id, by: actor, at: now)
                _ = try? state.renderRequest(id, by: actor, at: now)
                _ = try? state.consentLog(id, by: actor, at: now)
                _ = try? state.tokenFacts(for: id, by: actor, at: now)
            }
        }
        let user = Actor.endUser(endUser)
        _ = try? state.consents(of: user, at: now)
        _ = try? state.consentLog(of: user, at: now)
        var expiring = state
        var random = SplitMix64(seed: 3)
        if let decision = try? expiring.decide(.expireDue(limit: 100), by: .system, at: now, using: &random) {
            expiring.apply(decision.events)
        }
    }
}
