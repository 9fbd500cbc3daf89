import Testing
@testable import ConsentCore

/// Issue 12, point 4 (part): a resource may grant actions beyond reading,
/// carried in the token (`consentRights.action`) for the definition version
/// the person consented to, and shown on the consent page.
@Suite("Actions beyond reading")
struct ActionTests {
    static func navWithActions(_ actions: [String]) -> Resource {
        var r = DemoRegistry.navResource
        r.actions = actions
        return r
    }

    @Test("The token facts carry the actions of the version consented to, the page lists them")
    func pinned() throws {
        var hub = TestHub()
        try hub.perform(.registerResource(Self.navWithActions(["submit-application"])), by: .dataSource(Fixture.nav))
        let (id, _) = hub.givenConsent()
        let facts = try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now)
        #expect(facts.actions == [["submit-application"]])
        let page = try hub.state.renderRequest(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.resources.map(\.actions) == [["submit-application"]])
        // A later version with other actions changes nothing for this consent; a new one gets them.
        try hub.perform(.registerResource(Self.navWithActions(["sign", "submit-application"])), by: .dataSource(Fixture.nav))
        #expect(try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now).actions == [["submit-application"]])
        let (later, _) = hub.givenConsent()
        #expect(try hub.state.tokenFacts(for: later, by: .consumer(Fixture.bank), at: hub.now).actions == [["sign", "submit-application"]])
        // Reading only: no actions at all.
        let (plain, _) = hub.givenConsent(TestHub.taxRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try hub.state.tokenFacts(for: plain, by: .consumer(Fixture.bank), at: hub.now).actions.isEmpty)
        let restored = try ConsentState(snapshot: hub.state.encodeSnapshot(), configuration: hub.state.configuration)
        #expect(restored == hub.state)
    }

    @Test("Action names are checked", arguments: [
        (["Submit"], "action_malformed"), (["consent"], "action_malformed"), (["1st"], "action_malformed"),
        ([String(repeating: "a", count: 33)], "action_malformed"), (["sign", "sign"], "action_repeated"),
        ((0..<11).map { "a\($0)" }, "too_many_actions"),
    ] as [([String], String)])
    func refusals(_ actions: [String], _ reason: String) {
        var hub = TestHub()
        let before = hub.state.lastSequence
        expectRefused(.invalidArgument, reason) { () throws(DomainError) in
            try hub.perform(.registerResource(Self.navWithActions(actions)), by: .dataSource(Fixture.nav))
        }
        #expect(hub.state.lastSequence == before)
    }
}
