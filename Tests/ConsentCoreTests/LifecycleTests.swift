import Testing
@testable import ConsentCore

/// Issue 12, point 1: the consumer manages its own requests and consents —
/// deletes an unanswered request, ends a consent it no longer needs, lists its own.
@Suite("The consumer's lifecycle: delete, end, list")
struct LifecycleTests {
    @discardableResult
    static func delete(_ hub: inout TestHub, _ id: RequestID, by actor: Actor = .consumer(Fixture.bank)) throws(DomainError) -> RequestView {
        guard case .deleted(let view) = try hub.perform(.deleteRequest(id), by: actor) else { fatalError("not deleted") }
        return view
    }

    @Test("Deleting an unanswered request: status deleted, off the person's list, never accepted, in the feed")
    func delete() throws {
        var hub = TestHub()
        let request = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try hub.state.consents(of: .endUser(Fixture.haakonUser), at: hub.now).map(\.id) == [request.id])
        hub.advance(.minutes(3))
        let before = hub.state.lastSequence
        let deleted = try Self.delete(&hub, request.id)
        #expect(deleted.status == .deleted)
        #expect(deleted.endedAt == hub.now)
        #expect(hub.state.lastSequence == before + 1)

        // Repeating the transition returns the current state and records nothing.
        #expect(try Self.delete(&hub, request.id) == deleted)
        #expect(hub.state.lastSequence == before + 1)
        #expect(try hub.state.request(request.id, by: .consumer(Fixture.bank), at: hub.now).status == .deleted)

        // It leaves the person's list and log; its code can never be issued.
        #expect(try hub.state.consents(of: .endUser(Fixture.haakonUser), at: hub.now).isEmpty)
        #expect(try hub.state.consentLog(of: .endUser(Fixture.haakonUser), at: hub.now).isEmpty)
        expectRefused(.failedPrecondition, "request_deleted", "deleted by its consumer") { () throws(DomainError) in try hub.accept(request.id) }
        expectRefused(.failedPrecondition, "request_deleted") { () throws(DomainError) in try hub.reject(request.id) }
        expectRefused(.failedPrecondition, "request_deleted") { () throws(DomainError) in
            try hub.state.renderRequest(request.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        }
        expectRefused(.failedPrecondition, "request_deleted") { () throws(DomainError) in
            try hub.state.tokenFacts(for: request.id, by: .consumer(Fixture.bank), at: hub.now)
        }
        expectRefused(.failedPrecondition, "request_deleted") { () throws(DomainError) in try hub.use(request.id, Fixture.nav5252) }
        // Someone else still learns nothing.
        expectRefused(.permissionDenied, "not_yours") { () throws(DomainError) in
            try hub.state.renderRequest(request.id, by: .endUser(Fixture.ingridUser), at: hub.now)
        }
        // The support desk still sees the page, with its status.
        #expect(try hub.state.renderRequest(request.id, by: .admin(Fixture.brreg), at: hub.now).status == .deleted)

        // The consumer's and the data source's feeds say so, performed by the consumer.
        for actor in [Actor.consumer(Fixture.bank), .dataSource(Fixture.nav)] {
            let last = try hub.state.events(after: before, for: actor).entries
            #expect(last.map(\.kind) == [.requestDeleted])
            #expect(last.first?.performedBy == .consumer(Fixture.bank))
            #expect(last.first?.requestID == request.id)
        }
        // The expiry sweep has nothing to do for it later.
        hub.advance(.days(2))
        #expect(try hub.perform(.expireDue(limit: 100), by: .system) == .expired(count: 0))
    }

    @Test("An open request deleted: whoever opens its link is told it was deleted")
    func deleteOpen() throws {
        var hub = TestHub()
        let request = try hub.create(TestHub.navRequest())
        try Self.delete(&hub, request.id)
        expectRefused(.failedPrecondition, "request_deleted") { () throws(DomainError) in
            try hub.state.renderRequest(request.id, by: .endUser(Fixture.ingridUser), at: hub.now)
        }
        expectRefused(.failedPrecondition, "request_deleted") { () throws(DomainError) in try hub.accept(request.id, as: Fixture.ingridUser) }
    }

    @Test("Delete refusals", arguments: [
        "another consumer", "end user", "data source", "admin", "accepted", "rejected", "expired unanswered",
        "withdrawn", "used up", "unknown",
    ])
    func deleteRefusals(_ name: String) throws {
        var hub = TestHub()
        var id = try hub.create(TestHub.navRequest()).id
        var actor = Actor.consumer(Fixture.bank)
        let expected: (DomainError.Code, String)
        switch name {
        case "another consumer": actor = .consumer(Fixture.finansiering); expected = (.permissionDenied, "not_yours")
        case "end user": actor = .endUser(Fixture.haakonUser); expected = (.permissionDenied, "role_not_allowed")
        case "data source": actor = .dataSource(Fixture.nav); expected = (.permissionDenied, "role_not_allowed")
        case "admin": actor = .admin(Fixture.brreg); expected = (.permissionDenied, "role_not_allowed")
        case "accepted": try hub.accept(id); expected = (.failedPrecondition, "request_already_accepted")
        case "rejected": try hub.reject(id); expected = (.failedPrecondition, "request_already_rejected")
        case "expired unanswered": hub.advance(.hours(25)); expected = (.failedPrecondition, "request_expired")
        case "withdrawn": try hub.accept(id); try hub.revoke(id); expected = (.failedPrecondition, "consent_revoked")
        case "used up":
            id = hub.givenConsent(TestHub.taxRequest()).id
            try hub.use(id, Fixture.tax4629)
            expected = (.failedPrecondition, "consent_used_up")
        default: id = RequestID(high: 1, low: 2); expected = (.notFound, "request_unknown")
        }
        let before = hub.state.lastSequence
        expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.perform(.deleteRequest(id), by: actor) }
        #expect(hub.state.lastSequence == before)
    }

    @Test("The consumer ends a consent: at once, no tokens, no online check, the log says the bank ended it")
    func consumerEnds() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        hub.advance(.hours(1))
        try hub.use(id, Fixture.nav5252)
        hub.advance(.hours(1))
        let ended = try hub.revoke(id, as: .consumer(Fixture.bank))
        #expect(ended.status == .revoked && ended.endedAt == hub.now)
        let sequence = hub.state.lastSequence
        #expect(try hub.revoke(id, as: .consumer(Fixture.bank)) == ended)
        #expect(hub.state.lastSequence == sequence)

        expectRefused(.failedPrecondition, "consent_revoked", "ended by its consumer") { () throws(DomainError) in
            try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now)
        }
        expectRefused(.failedPrecondition, "consent_revoked", "ended by its consumer") { () throws(DomainError) in
            try hub.state.checkLive(id, by: .dataSource(Fixture.nav), at: hub.now)
        }
        // The data source sees it in its feed, performed by the consumer.
        let feed = try hub.state.events(after: sequence - 1, for: .dataSource(Fixture.nav)).entries
        #expect(feed.map(\.kind) == [.consentRevoked] && feed[0].performedBy == .consumer(Fixture.bank))

        // The Samtykkelogg says the bank ended it, in all three languages; the list says "Avsluttet".
        let expected: [(Language, String, String)] = [
            (.bokmal, "Samtykke avsluttet", "BANKEN AS avsluttet samtykket fra HÅKON TRANA."),
            (.nynorsk, "Samtykke avslutta", "BANKEN AS avslutta samtykket frå HÅKON TRANA."),
            (.english, "Consent ended", "BANKEN AS ended the consent given by HÅKON TRANA."),
        ]
        for (language, title, text) in expected {
            let last = try hub.state.consentLog(id, by: .endUser(Fixture.haakonUser), language: language, at: hub.now).last!
            #expect(last.kind == .ended && last.title == title && last.text == text)
        }
        let words = try [Language.bokmal, .nynorsk, .english].map { language throws(DomainError) in
            try hub.state.consents(of: .endUser(Fixture.haakonUser), language: language, at: hub.now)[0].statusText
        }
        #expect(words == ["Avsluttet", "Avslutta", "Ended"])
        // A withdrawal by the person still reads "Trukket".
        let (other, _) = hub.givenConsent()
        try hub.revoke(other)
        #expect(try hub.state.consents(of: .endUser(Fixture.haakonUser), at: hub.now).first { $0.id == other }?.statusText == "Trukket")
    }

    @Test("The consumer may give up an unused one-time consent; the person may not withdraw one")
    func consumerEndsOneTime() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.taxRequest())
        expectRefused(.failedPrecondition, "one_time_consent_not_revocable") { () throws(DomainError) in try hub.revoke(id) }
        #expect(try hub.revoke(id, as: .consumer(Fixture.bank)).status == .revoked)
        expectRefused(.failedPrecondition, "consent_revoked") { () throws(DomainError) in
            try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now)
        }
        expectRefused(.failedPrecondition, "used_after_revocation") { () throws(DomainError) in try hub.use(id, Fixture.tax4629) }
    }

    @Test("Ending refusals", arguments: ["another consumer", "data source", "not answered", "rejected", "used up", "expired", "deleted"])
    func endRefusals(_ name: String) throws {
        var hub = TestHub()
        var (id, _) = hub.givenConsent(TestHub.navRequest(validFor: .days(10)))
        var actor = Actor.consumer(Fixture.bank)
        let expected: (DomainError.Code, String)
        switch name {
        case "another consumer": actor = .consumer(Fixture.finansiering); expected = (.permissionDenied, "not_yours")
        case "data source": actor = .dataSource(Fixture.nav); expected = (.permissionDenied, "role_not_allowed")
        case "not answered": id = try hub.create(TestHub.navRequest()).id; expected = (.failedPrecondition, "request_not_accepted")
        case "rejected": id = try hub.create(TestHub.navRequest()).id; try hub.reject(id); expected = (.failedPrecondition, "request_already_rejected")
        case "used up":
            id = hub.givenConsent(TestHub.taxRequest()).id
            try hub.use(id, Fixture.tax4629)
            expected = (.failedPrecondition, "one_time_consent_not_revocable")
        case "expired": hub.advance(.days(11)); expected = (.failedPrecondition, "consent_expired")
        default:
            id = try hub.create(TestHub.navRequest()).id
            try Self.delete(&hub, id)
            expected = (.failedPrecondition, "request_deleted")
        }
        let before = hub.state.lastSequence
        expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.perform(.revokeConsent(id), by: actor) }
        #expect(hub.state.lastSequence == before)
    }

    @Test("The consumer's list: its own only, oldest first, paged, filtered by status, resource and time")
    func list() throws {
        var hub = TestHub()
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.nav5252, consumer: Fixture.finansiering,
                                                                 consumerName: "FINANSIERING AS", redirectDomains: ["banken.example"])),
                        by: .dataSource(Fixture.nav))
        let consented = hub.givenConsent().id
        hub.advance(.minutes(1))
        let pending = try hub.create(TestHub.navRequest()).id
        _ = try hub.create(TestHub.navRequest(), by: Fixture.finansiering)
        hub.advance(.minutes(1))
        let tax = try hub.create(TestHub.taxRequest()).id
        let deleted = try hub.create(TestHub.navRequest()).id
        try Self.delete(&hub, deleted)
        let bank = Actor.consumer(Fixture.bank)

        let all = try hub.state.requests(of: bank, after: 0, at: hub.now)
        #expect(all.requests.map(\.id) == [consented, pending, tax, deleted])
        #expect(all.reachedEnd)

        // Two per page: the cursor continues where the page ended; nothing is repeated or skipped.
        var seen: [RequestID] = []
        var cursor: UInt64 = 0
        var pages = 0
        repeat {
            let page = try hub.state.requests(of: bank, after: cursor, limit: 2, at: hub.now)
            seen += page.requests.map(\.id)
            cursor = page.nextCursor
            pages += 1
            if page.reachedEnd { break }
        } while pages < 10
        #expect(seen == all.requests.map(\.id))

        func ids(_ filter: RequestFilter) throws(DomainError) -> [RequestID] {
            try hub.state.requests(of: bank, after: 0, filter: filter, at: hub.now).requests.map(\.id)
        }
        #expect(try ids(RequestFilter(statuses: [.accepted])) == [consented])
        #expect(try ids(RequestFilter(statuses: [.created, .deleted])) == [pending, tax, deleted])
        #expect(try ids(RequestFilter(resource: Fixture.tax4629)) == [tax])
        #expect(try ids(RequestFilter(createdFrom: Fixture.start + .minutes(1))) == [pending, tax, deleted])
        #expect(try ids(RequestFilter(createdBefore: Fixture.start + .minutes(2))) == [consented, pending])
        // Statuses are computed now: a day later the pending ones have expired.
        hub.advance(.days(2))
        #expect(try ids(RequestFilter(statuses: [.expired])) == [pending, tax])
        // A request created later comes after the last cursor.
        let newer = try hub.create(TestHub.navRequest(validFor: .days(400))).id
        #expect(try hub.state.requests(of: bank, after: all.nextCursor, at: hub.now).requests.map(\.id) == [newer])
    }

    @Test("List refusals", arguments: ["data source", "end user", "admin", "limit 0", "reversed time"])
    func listRefusals(_ name: String) throws {
        let hub = TestHub()
        var actor = Actor.consumer(Fixture.bank)
        var limit = 10
        var filter = RequestFilter()
        let expected: (DomainError.Code, String)
        switch name {
        case "data source": actor = .dataSource(Fixture.nav); expected = (.permissionDenied, "role_not_allowed")
        case "end user": actor = .endUser(Fixture.haakonUser); expected = (.permissionDenied, "role_not_allowed")
        case "admin": actor = .admin(Fixture.brreg); expected = (.permissionDenied, "role_not_allowed")
        case "limit 0": limit = 0; expected = (.invalidArgument, "limit_invalid")
        default:
            filter = RequestFilter(createdFrom: Fixture.start + .days(1), createdBefore: Fixture.start)
            expected = (.invalidArgument, "time_range_reversed")
        }
        expectRefused(expected.0, expected.1) { () throws(DomainError) in
            try hub.state.requests(of: actor, after: 0, filter: filter, limit: limit, at: hub.now)
        }
    }
}
