#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// No national identity number in any line consentd writes (issue 11, point
/// 7): a real consentd at log level debug, every call that carries a person
/// (the flow of seed 003 for one person, the Altinn 2 query with OfferedBy
/// and UserToken, the portal stating another person, malformed and repeated
/// ids) and frames whose out-of-range numbers are a person's id, which the
/// transport quotes in its protocol-error lines; then the whole log is
/// searched for the ids.
@Suite(.serialized) struct LogAuditTests {
    typealias Service = Consent_V1_ConsentService
    static let person = TestHub.demoUserID
    static let otherPerson = "01019012480"
    static let badCheckDigits = "15038512364"

    /// A Request frame (call 1) with extra raw fields in Frame.request.
    static func rawRequest(_ extra: [UInt8]) -> [UInt8] {
        func varint(_ value: UInt64) -> [UInt8] {
            var v = value
            var out: [UInt8] = []
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            return out + [UInt8(v)]
        }
        let method = Array("/consent.v1.Health/Check".utf8)
        let request = [0x0A] + varint(UInt64(method.count)) + method + extra
        let body = [0x08, 0x01, 0x12] + varint(UInt64(request.count)) + request
        let length = UInt32(body.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
    }

    static func varintField(_ number: UInt64, _ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        for var v in [number << 3, value] {
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        return out
    }

    @Test func noNationalIdReachesConsentdsLog() async throws {
        let certificates = TestHub.certificates
        let data = TestHub.makeTemporaryDirectory("log-audit")
        let server = try ConsentdProcess(certificates: certificates, dataDirectory: data,
                                         extraArguments: ["--demo-registry", "--log-level", "debug"])
        func client(_ name: String) throws -> ConsentClient {
            try ConsentClient(configuration: .init(
                host: "127.0.0.1", port: server.port, caFile: certificates.path("ca.pem"),
                certificateFile: certificates.path("\(name).pem"), keyFile: certificates.path("\(name).key")))
        }
        let bank = try client("consumer")
        let portal = try client("portal")
        let nav = try client("datasource")
        let asPerson = CallOptions(timeout: .seconds(30), metadata: TestHub.portalUser(Self.person))
        let asOther = CallOptions(timeout: .seconds(30), metadata: TestHub.portalUser(Self.otherPerson))

        // Seed 003 for the person, end to end.
        let id = try await bank.unary(Service.createRequest, Flow.navRequest(offeredBy: Self.person)).request!.id
        _ = try await portal.unary(Service.getRequest, .init(requestId: id), options: asPerson)
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: asPerson)
        let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
        let token = try await bank.exchange(code).token
        _ = try await nav.verify(token, resource: "5252_1")
        _ = try await nav.logUse(try RequestID(validating: id), resource: try ResourceID(validating: "5252_1"))
        _ = try await portal.unary(Service.listConsents, .init(), options: asPerson)
        _ = try await portal.unary(Service.getConsentLog, .init(consentId: id), options: asPerson)
        _ = try await portal.unary(Service.revokeConsent, .init(consentId: id), options: asPerson)
        _ = try await bank.unary(Service.listEvents, .init(after: 0))

        // The Altinn 2 query, from the bank and from the portal.
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        let query = "Resources=5252_1&CoveredBy=910203045&RedirectUrl=https%3A%2F%2Fbanken.example%2Fcb"
            + "&ValidToDate=\(year)-06-30%2012:00:00&DelegationContext=Forsikring&ResponseType=code"
            + "&5252_1_fraOgMed=01.01.2024&5252_1_tilOgMed=31.12.2024"
        let userToken = try NationalIdentityNumber(validating: Self.person).userToken
        _ = try await bank.unary(Service.createRequestFromQuery, .init(query: query + "&OfferedBy=\(Self.person)&UserToken=\(userToken)"))
        _ = await Flow.refusal { _ = try await portal.unary(Service.createRequestFromQuery, .init(query: query + "&OfferedBy=\(Self.otherPerson)"), options: asPerson) }

        // Refusals that concern a person: another person, a bad id, an id given twice.
        let second = try await bank.unary(Service.createRequest, Flow.navRequest(offeredBy: Self.person)).request!.id
        _ = await Flow.refusal { _ = try await portal.unary(Service.acceptRequest, .init(requestId: second), options: asOther) }
        _ = await Flow.refusal { _ = try await bank.unary(Service.createRequest, Flow.navRequest(offeredBy: Self.badCheckDigits)) }
        _ = await Flow.refusal {
            _ = try await portal.unary(Service.getRequest, .init(requestId: second),
                                       options: CallOptions(metadata: TestHub.portalUser(Self.badCheckDigits)))
        }
        var twice = TestHub.portalUser(Self.person)
        twice.add(PortalMetadata.userID, Self.otherPerson)
        _ = await Flow.refusal { _ = try await portal.unary(Service.getRequest, .init(requestId: second), options: CallOptions(metadata: twice)) }

        // Frames whose numbers are the person's id: the transport names them in its protocol errors.
        for extra in [Self.varintField(2, UInt64(Self.person)!), Self.varintField(UInt64(Self.badCheckDigits)!, 1)] {
            let raw = try RawConnection(to: HubEndpoint(port: server.port, certificates: certificates, principal: "consumer"),
                                        tls: HubEndpoint(port: server.port, certificates: certificates, principal: "consumer").tlsContext())
            raw.write(Self.rawRequest(extra))
            _ = raw.readUntilClosed()
            raw.close()
        }

        bank.close()
        portal.close()
        nav.close()
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        let log = server.log
        try? FileManager.default.removeItem(atPath: data)

        #expect(log.contains("protocol error"), "the hostile frames were logged: \(log)")
        #expect(log.contains("does not fit in 32 bits (id:"), "as a keyed tag")
        for id in [Self.person, Self.otherPerson, Self.badCheckDigits] {
            let lines = log.split(separator: "\n").filter { $0.contains(id) }
            #expect(lines.isEmpty, "consentd logged \(id): \(lines)")
        }
        // Any other eleven digits in a row (outside a hex-and-dash word such as a UUID).
        let elevenDigits = try NSRegularExpression(pattern: #"(?<![0-9a-fA-F-])\d{11}(?![0-9a-fA-F-])"#)
        let suspicious = log.split(separator: "\n").map(String.init).filter {
            elevenDigits.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil
        }
        #expect(suspicious.isEmpty, "an eleven-digit number in consentd's log: \(suspicious)")
    }
}
