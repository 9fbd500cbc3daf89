import ConsentCore

extension FuzzTarget {
    /// The Altinn-2 query parser (`NewConsentRequest.parse(altinnQuery:)`,
    /// seed 004) and what a query reaches after it: the request is decided
    /// against the demo registry as BANKEN AS's `CreateRequestFromQuery`
    /// would be, and a request that is created is rendered, in every
    /// language, as the portal shows it. Refusals are expected; a crash is not.
    ///
    /// Input: the query string (UTF-8; invalid sequences are replaced, as a
    /// protobuf string reaching the server would be).
    public static let altinnQuery = FuzzTarget("FuzzAltinnQuery") { input throws(FuzzFailure) in
        let query = String(decoding: input, as: UTF8.self)
        guard (try? NewConsentRequest.parse(altinnQuery: query)) != nil else { return }
        var state = DemoHub.state
        var random = SplitMix64(seed: 7)
        let decision: Decision
        do {
            decision = try state.decide(.createRequestFromQuery(query, idempotencyKey: nil), by: DemoHub.bank, at: DemoHub.now, using: &random)
        } catch {
            return
        }
        guard case .success(.request(let view)) = decision.result else { return }
        state.apply(decision.events)
        for language in Language.allCases {
            _ = try? state.renderRequest(view.id, by: DemoHub.admin, language: language, at: DemoHub.now)
        }
        _ = try? state.request(view.id, by: DemoHub.bank, at: DemoHub.now)
    }
}

/// A state holding the demo registry (NAV's and Skatteetaten's resources,
/// BANKEN AS authorised for them), made once per process.
enum DemoHub {
    /// 2026-01-01T00:00:00Z.
    static let now = Timestamp(secondsSinceEpoch: 1_767_225_600)
    static let bank = Actor.consumer(DemoRegistry.bankenAS)
    static let admin = Actor.admin(try! OrganisationNumber(validating: "991825827"))

    static let state: ConsentState = {
        var state = ConsentState()
        var random = SplitMix64(seed: 1)
        for seed in DemoRegistry.commands {
            let decision = try! state.decide(seed.command, by: seed.actor, at: now, using: &random)
            state.apply(decision.events)
        }
        return state
    }()
}
