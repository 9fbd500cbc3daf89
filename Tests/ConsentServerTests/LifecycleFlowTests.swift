import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// Issue 12, point 1, over the wire: the consumer deletes an unanswered
/// request, ends a consent it no longer needs, lists its own, and learns
/// where the person answers (`view_url`).
@Suite(.serialized) struct LifecycleFlowTests {
    typealias Service = Consent_V1_ConsentService

    static func accept(_ portal: some ClientTransport, _ id: String) async throws -> String {
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user())
        return try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
    }

    @Test func createRequestReturnsTheViewURLFromTheTemplate() async throws {
        let hub = try TestHub { $0.portalURLTemplate = try! ViewURLTemplate(validating: "https://portal.example/consent/{id}?from=hub") }
        let bank = try hub.client("consumer")
        let created = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        #expect(created.viewUrl == "https://portal.example/consent/\(created.id)?from=hub")
        let status = try await bank.unary(Service.getRequestStatus, .init(requestId: created.id)).request!
        #expect(status.viewUrl == created.viewUrl)
        bank.close()
        await hub.stop()

        // Without a template there is no URL to give.
        let plain = try TestHub()
        let other = try plain.client("consumer")
        #expect(try await other.unary(Service.createRequest, Flow.navRequest()).request!.viewUrl == "")
        other.close()
        await plain.stop()
    }

    @Test func portalURLTemplatesAreChecked() throws {
        for bad in ["https://portal.example/consent", "portal.example/{id}", "https://p.example/{id}/{id}", "https://p.example/ {id}"] {
            #expect(throws: ConfigurationError.self) { try ViewURLTemplate(validating: bad) }
        }
        guard case .serve(let c) = try ServerOptions.parse(["--portal-url-template", "https://p.example/c/{id}"]) else {
            Issue.record("not a serve command")
            return
        }
        let id = RequestID(high: 1, low: 2)
        #expect(c.portalURLTemplate?.url(for: id) == "https://p.example/c/\(id)")
        #expect(throws: ConfigurationError.self) { try ServerOptions.parse(["--portal-url-template", "ftp://p.example/{id}"]) }
    }

    @Test func deletingAnUnansweredRequest() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")
        defer { bank.close(); portal.close(); nav.close() }
        let created = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        let cursor = try await bank.unary(Service.listEvents, .init(after: 0, limit: 1000)).nextCursor

        let deleted = try await bank.unary(Service.deleteRequest, .init(requestId: created.id)).request!
        #expect(deleted.status == .deleted && deleted.endedAtMs > 0)
        // Deleting again returns it as it is.
        #expect(try await bank.unary(Service.deleteRequest, .init(requestId: created.id)).request == deleted)

        // The person's side: gone from the list; the page and the answer are refused.
        let list = try await portal.unary(Service.listConsents, .init(), options: Flow.user()).consents
        #expect(!list.contains { $0.id == created.id })
        let page = await Flow.refusal { _ = try await portal.unary(Service.getRequest, .init(requestId: created.id), options: Flow.user()) }
        #expect(page?.code == .failedPrecondition && Flow.reason(page) == "request_deleted")
        let accept = await Flow.refusal { _ = try await portal.unary(Service.acceptRequest, .init(requestId: created.id), options: Flow.user()) }
        #expect(accept?.code == .failedPrecondition && Flow.reason(accept) == "request_deleted")

        // Both feeds say so.
        for client in [bank, nav] {
            let events = try await client.unary(Service.listEvents, .init(after: cursor, types: [.requestDeleted])).events
            #expect(events.map(\.requestId) == [created.id])
            #expect(events.first?.performedBy == .consumer && events.first?.performedByOrgNumber == Flow.bank)
        }

        // An accepted request cannot be deleted: it is a consent, to end instead.
        let other = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await Self.accept(portal, other.id)
        let refused = await Flow.refusal { _ = try await bank.unary(Service.deleteRequest, .init(requestId: other.id)) }
        #expect(refused?.code == .failedPrecondition && Flow.reason(refused) == "request_already_accepted")
        // Malformed ids name the field; the portal may not delete; the server keeps serving.
        let malformed = await Flow.refusal { _ = try await bank.unary(Service.deleteRequest, .init(requestId: "nope")) }
        #expect(malformed?.code == .invalidArgument && malformed?.message.hasPrefix("request_id:") == true)
        let byPortal = await Flow.refusal { _ = try await portal.unary(Service.deleteRequest, .init(requestId: other.id), options: Flow.user()) }
        #expect(byPortal?.code == .permissionDenied)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: other.id)).request?.status == .accepted)
        await hub.stop()
    }

    @Test func anotherBankCannotDeleteOrEnd() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let finansiering = try hub.client("consumer-2")
        let pending = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        let consent = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await Self.accept(portal, consent.id)
        let delete = await Flow.refusal { _ = try await finansiering.unary(Service.deleteRequest, .init(requestId: pending.id)) }
        #expect(delete?.code == .permissionDenied && Flow.reason(delete) == "not_yours")
        let end = await Flow.refusal { _ = try await finansiering.unary(Service.revokeConsent, .init(consentId: consent.id)) }
        #expect(end?.code == .permissionDenied && Flow.reason(end) == "not_yours")
        #expect(try await finansiering.unary(Service.listRequests, .init()).requests.isEmpty)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: consent.id)).request?.status == .accepted)
        await hub.stop()
    }

    @Test func theConsumerEndsAConsent() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")
        defer { bank.close(); portal.close(); nav.close() }
        let created = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        let code = try await Self.accept(portal, created.id)
        let grant = try await bank.unary(Consent_V1_TokenService.exchangeCode, .init(code: code)).grant!
        #expect(try await nav.unary(Consent_V1_TokenService.verifyToken, .init(token: grant.token)).valid)
        let cursor = try await nav.unary(Service.listEvents, .init(after: 0, limit: 1000)).nextCursor

        // The loan case is closed: the bank ends the consent.
        let ended = try await bank.unary(Service.revokeConsent, .init(consentId: created.id)).consent!
        #expect(ended.status == .revoked && ended.endedAtMs > 0)
        #expect(try await bank.unary(Service.revokeConsent, .init(consentId: created.id)).consent == ended)

        // Tokens stop: no new one, and NAV's online check refuses the old one.
        let issue = await Flow.refusal { _ = try await bank.unary(Consent_V1_TokenService.issueToken, .init(consentId: created.id)) }
        #expect(issue?.code == .failedPrecondition && Flow.reason(issue) == "consent_revoked")
        let verify = await Flow.refusal { _ = try await nav.unary(Consent_V1_TokenService.verifyToken, .init(token: grant.token)) }
        #expect(verify?.code == .failedPrecondition && Flow.reason(verify) == "consent_revoked")

        // NAV's feed: CONSENT_REVOKED, performed by the bank.
        let events = try await nav.unary(Service.listEvents, .init(after: cursor)).events
        #expect(events.map(\.type) == [.consentRevoked])
        #expect(events.first?.performedBy == .consumer && events.first?.performedByOrgNumber == Flow.bank)

        // The person's log says the bank ended it, in each language.
        for (language, title, text) in [("nb-NO", "Samtykke avsluttet", "BANKEN AS avsluttet samtykket fra HÅKON TRANA."),
                                         ("nn-NO", "Samtykke avslutta", "BANKEN AS avslutta samtykket frå HÅKON TRANA."),
                                         ("en", "Consent ended", "BANKEN AS ended the consent given by HÅKON TRANA.")] {
            let log = try await portal.unary(Service.getConsentLog, .init(consentId: created.id, language: language), options: Flow.user()).lines
            #expect(log.last?.kind == .ended && log.last?.title == title && log.last?.text == text)
        }
        let mine = try await portal.unary(Service.listConsents, .init(), options: Flow.user()).consents.first { $0.id == created.id }
        #expect(mine?.statusText == "Avsluttet" && mine?.canRevoke == false)
        await hub.stop()
    }

    @Test func theConsumerListsItsOwnRequests() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        defer { bank.close(); portal.close() }
        let consent = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await Self.accept(portal, consent.id)
        let pending = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        let tax = try await bank.unary(Service.createRequest, Flow.taxRequest()).request!

        let all = try await bank.unary(Service.listRequests, .init())
        #expect(all.requests.map(\.id) == [consent.id, pending.id, tax.id] && all.reachedEnd)
        #expect(try await bank.unary(Service.listRequests, .init(statuses: [.accepted])).requests.map(\.id) == [consent.id])
        #expect(try await bank.unary(Service.listRequests, .init(resourceId: "4629_2")).requests.map(\.id) == [tax.id])
        #expect(try await bank.unary(Service.listRequests, .init(createdFromMs: tax.createdAtMs)).requests.map(\.id).last == tax.id)
        let first = try await bank.unary(Service.listRequests, .init(limit: 2))
        #expect(first.requests.map(\.id) == [consent.id, pending.id] && !first.reachedEnd)
        #expect(try await bank.unary(Service.listRequests, .init(after: first.nextCursor)).requests.map(\.id) == [tax.id])

        // Bad filters are named; a data source may not list a consumer's requests.
        let status = await Flow.refusal { _ = try await bank.unary(Service.listRequests, .init(statuses: [.unspecified])) }
        #expect(status?.code == .invalidArgument && status?.message.hasPrefix("statuses[0]:") == true && Flow.reason(status) == "status_unknown")
        let resource = await Flow.refusal { _ = try await bank.unary(Service.listRequests, .init(resourceId: "52521")) }
        #expect(resource?.code == .invalidArgument && Flow.reason(resource) == "resource_id_malformed")
        let time = await Flow.refusal { _ = try await bank.unary(Service.listRequests, .init(createdFromMs: 10, createdToMs: 5)) }
        #expect(time?.code == .invalidArgument && Flow.reason(time) == "time_range_reversed")
        let nav = try hub.client("datasource")
        let denied = await Flow.refusal { _ = try await nav.unary(Service.listRequests, .init()) }
        #expect(denied?.code == .permissionDenied)
        nav.close()
        #expect(try await bank.unary(Service.listRequests, .init()).requests.count == 3)
        await hub.stop()
    }
}
