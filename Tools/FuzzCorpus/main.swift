// consent-fuzz-corpus DIR: writes the seed corpora of the fuzz targets
// (docs/FUZZING.md) from real traffic. It starts a hub as the tests do
// (TestHub: demo registry, development certificates), runs seed 003's flows
// and every other RPC through ConsentClient as the bank, the data sources, the
// portal, the admin and the bank's system vendor, and records what travelled: each call's Request and
// Response frame as the transport's encoder writes them, the messages in
// them, the tokens, the Altinn-2 queries; then it reads the hub's event log
// back for the event records and the snapshots, and takes the development
// principals file and a config file. `make fuzz-corpus` runs it.
import ConsentClient
import ConsentCore
import ConsentFuzzing
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentStore
import ConsentTesting
import ConsentTransport
import Dispatch
import Foundation
import Synchronization

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: consent-fuzz-corpus DIR (FuzzTesting/Corpus)\n".utf8))
    exit(2)
}
let corpus = Corpus(directory: CommandLine.arguments[1])

/// The inputs collected per target, written out at the end.
final class Corpus: @unchecked Sendable {
    let directory: String
    private let lock = NSLock()
    private var inputs: [String: [(name: String, bytes: [UInt8])]] = [:]

    init(directory: String) {
        self.directory = directory
    }

    /// Keeps `bytes` unless the target has them already, or has three inputs
    /// of this name: the repository stays small, the fuzzer finds the rest.
    func add(_ target: String, _ name: String, _ bytes: [UInt8]) {
        lock.withLock {
            var list = inputs[target, default: []]
            guard !list.contains(where: { $0.bytes == bytes }) else { return }
            let taken = Set(list.map(\.name))
            guard (1...3).contains(where: { !taken.contains($0 == 1 ? name : "\(name)-\($0)") }) else { return }
            var unique = name
            var n = 2
            while taken.contains(unique) { unique = "\(name)-\(n)"; n += 1 }
            list.append((unique, bytes))
            inputs[target] = list
        }
    }

    /// Replaces each target's directory with the inputs collected for it.
    func write() throws {
        for (target, list) in inputs.sorted(by: { $0.key < $1.key }) {
            let path = directory + "/" + target
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for input in list {
                try Data(input.bytes).write(to: URL(fileURLWithPath: path + "/" + input.name))
            }
            print("\(target): \(list.count) inputs, \(list.map(\.bytes.count).reduce(0, +)) bytes")
        }
    }
}

/// A client that records every call it makes as frames and messages.
final class RecordingClient: Sendable {
    let client: ConsentClient
    let name: String
    private let nextCallID = Atomic<UInt32>(1)
    /// This client's frames in the order they were written, for the stream decoder's corpus.
    let sent = Mutex<[UInt8]>([])
    let received = Mutex<[UInt8]>([])

    init(_ hub: TestHub, _ principal: String) throws {
        client = try hub.client(principal)
        name = principal
    }

    /// A unary call, recorded; throws the call's RPCError.
    @discardableResult
    func call<Req, Res>(_ method: ProtoMethod<Req, Res>, _ request: Req, metadata: Metadata = Metadata()) throws -> Res {
        let result = exchange(method.fullName, request.serializedBytes(), metadata: metadata, methodIndex: index(of: method.fullName))
        if let error = result.error { throw error }
        return try Res(serializedBytes: result.payload)
    }

    /// A server-streaming call ended by the client after `messages` messages or a second.
    func stream<Req, Res>(_ method: ProtoMethod<Req, Res>, _ request: Req, messages: Int) -> [Res] {
        let callID = nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        let payload = request.serializedBytes()
        let options = CallOptions(timeout: .seconds(10))
        record(Consent_V1_Frame(callId: callID, kind: .request(.init(method: method.fullName, deadlineMs: 10_000, payload: payload))), sent: true)
        corpus.add("FuzzProtoMessages", "request-\(short(method.fullName))", [UInt8(index(of: method.fullName) * 2)] + payload)
        let got = Mutex<[[UInt8]]>([])
        let done = DispatchSemaphore(value: 0)
        let handle = client.startCall(method: method.fullName, payload: payload, options: options, onMessage: { message in
            let count = got.withLock { $0.append(message); return $0.count }
            if count == messages { done.signal() }
        }, onFinish: { _ in done.signal() })
        _ = done.wait(timeout: .now() + 1)
        handle.cancel()
        let messagesSeen = got.withLock { $0 }
        for message in messagesSeen {
            record(Consent_V1_Frame(callId: callID, kind: .streamMessage(.init(payload: message))), sent: false)
            corpus.add("FuzzProtoMessages", "response-\(short(method.fullName))", [UInt8(index(of: method.fullName) * 2 + 1)] + message)
        }
        record(Consent_V1_Frame(callId: callID, kind: .cancel(.init())), sent: true)
        return messagesSeen.compactMap { try? Res(serializedBytes: $0) }
    }

    private func exchange(_ method: String, _ payload: [UInt8], metadata: Metadata, methodIndex: Int) -> CallResult {
        let callID = nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        let entries = metadata.map { Consent_V1_MetadataEntry(key: $0.key, value: $0.value) }
        record(Consent_V1_Frame(callId: callID, kind: .request(.init(method: method, deadlineMs: 30_000, metadata: entries, payload: payload))), sent: true)
        corpus.add("FuzzProtoMessages", "request-\(short(method))", [UInt8(methodIndex * 2)] + payload)
        let outcome = Mutex<CallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        _ = client.startCall(method: method, payload: payload, options: CallOptions(timeout: .seconds(30), metadata: metadata),
                             onMessage: { _ in }, onFinish: { result in outcome.withLock { $0 = result }; done.signal() })
        done.wait()
        let result = outcome.withLock { $0 }!
        let trailers = result.trailers.map { Consent_V1_MetadataEntry(key: $0.key, value: $0.value) }
        record(Consent_V1_Frame(callId: callID, kind: .response(.init(
            statusCode: result.code.rawValue, statusMessage: result.message, payload: result.payload, trailers: trailers))), sent: false)
        if result.error == nil {
            corpus.add("FuzzProtoMessages", "response-\(short(method))", [UInt8(methodIndex * 2 + 1)] + result.payload)
        }
        return result
    }

    /// Encodes `frame` with the transport's own encoder and keeps it.
    func record(_ frame: Consent_V1_Frame, sent: Bool) {
        guard let bytes = WireFuzzingSeam.encode(frame) else { return }
        if sent { self.sent.withLock { $0 += bytes } } else { received.withLock { $0 += bytes } }
        let kind = switch frame.kind {
        case .request(let r): "request-\(short(r.method))"
        case .response(let r): r.statusCode == 0 ? "response-ok" : "response-\(StatusCode(rawValue: r.statusCode))"
        case .streamMessage: "stream-message"
        case .cancel: "cancel"
        case .ping: "ping"
        case .pong: "pong"
        case .goAway: "go-away"
        case nil: "empty"
        }
        corpus.add("FuzzFrameCodec", kind, Array(bytes.dropFirst(4)))
    }

    private func index(of method: String) -> Int {
        FuzzMethods.names.firstIndex(of: method)!
    }

    func close() { client.close() }
}

enum FuzzMethods {
    /// FuzzProtoMessages' selector order.
    static let names = FuzzTarget.protoMethodNames
}

/// `/consent.v1.TokenService/ExchangeCode` → `ExchangeCode`.
func short(_ method: String) -> String {
    String(method.split(separator: "/").last ?? "unknown")
}

func expectRefusal(_ body: () throws -> Void) {
    do { try body() } catch {}
}

// MARK: The traffic

let hub = try TestHub()
let bank = try RecordingClient(hub, "consumer")
let nav = try RecordingClient(hub, "datasource")
let skatt = try RecordingClient(hub, "datasource-skatt")
let portal = try RecordingClient(hub, "portal")
let admin = try RecordingClient(hub, "admin")
let user = TestHub.portalUser()
let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
let day: Int64 = 86_400_000
let redirect = "https://banken.example/samtykke/svar"

try bank.call(Consent_V1_Health.check, .init())
try admin.call(Consent_V1_Health.stats, .init())
try bank.call(Consent_V1_RegistryService.listResources, .init())
let navResource = try nav.call(Consent_V1_RegistryService.getResource, .init(resourceId: "5252_1"))
try nav.call(Consent_V1_RegistryService.listAuthorisations, .init(resourceId: "5252_1"))
if let definition = navResource.resource {
    // The same definition again: changes nothing, as a data source's deployment would send it.
    try nav.call(Consent_V1_RegistryService.registerResource, .init(resource: definition))
}
let authorisations = try skatt.call(Consent_V1_RegistryService.listAuthorisations, .init(resourceId: "4629_2"))
if let authorisation = authorisations.authorisations.first {
    try skatt.call(Consent_V1_RegistryService.authoriseConsumer, .init(authorisation: authorisation))
}
expectRefusal { try bank.call(Consent_V1_RegistryService.deauthoriseConsumer, .init(resourceId: "4630_1", consumerOrgNumber: "910203045")) }

/// Seed 003's figure 1 for NAV's resource, and seed 004's one-time pair from Skatteetaten.
func navRequest(_ key: String = "") -> Consent_V1_CreateRequestRequest {
    .init(resources: [.init(resourceId: "5252_1", metadata: [.init(key: "fraOgMed", value: "01.01.2024"), .init(key: "tilOgMed", value: "31.12.2024")])],
          offeredBy: TestHub.demoUserID, redirectUrl: redirect, validToMs: nowMs + 365 * day,
          purpose: "Behandle søknaden din om uføreforsikring", idempotencyKey: key)
}
let taxRequest = Consent_V1_CreateRequestRequest(
    resources: [
        .init(resourceId: "4629_2", metadata: [.init(key: "inntektsaar", value: "2024")]),
        .init(resourceId: "4630_1", metadata: [.init(key: "fraOgMed", value: "01.01.2024"), .init(key: "tilOgMed", value: "31.12.2024")]),
    ],
    offeredBy: TestHub.demoUserID, redirectUrl: redirect, validToMs: nowMs + 20 * day, language: "en", purpose: "Vurdere lånesøknaden din")

/// A `ValidToDate` `days` ahead, as seed 004 writes it (local time; UTC is near enough here).
func validToDate(days: Int) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: Date().addingTimeInterval(Double(days) * 86_400))
}
let inAYear = validToDate(days: 365), inTwentyDays = validToDate(days: 20)
let queries = [
    "Resources=5252_1&CoveredBy=910203045&OfferedBy=15038512363&RedirectUrl=https://banken.example/samtykke/svar&ValidToDate=\(inAYear)&LanguageCode=en&DelegationContext=Forsikring&ResponseType=code&5252_1_fraOgMed=01.01.2024&5252_1_tilOgMed=31.12.2024",
    "?Resources=4629_2.4630_1&CoveredBy=910203045&RedirectUrl=https%3A%2F%2Fbanken.example%2Fcb%3Fref%3D42&ValidToDate=\(inTwentyDays.replacingOccurrences(of: " ", with: "+").replacingOccurrences(of: ":", with: "%3A"))&DelegationContext=L%C3%A5nes%C3%B8knad&ResponseType=code&4629_2_inntektsaar=2024&4630_1_fraOgMed=01.01.2024&4630_1_tilOgMed=31.12.2024",
    "https://samtykke.example/ui/AccessConsent/request?resources=5252_1&coveredby=910203045&redirecturl=https://banken.example/cb?x=1&validtodate=\(inTwentyDays)&delegationcontext=Test&responsetype=code&5252_1_fraOgMed=01.02.2024&5252_1_tilOgMed=28.02.2024&languagecode=nb-NO",
]
for (i, query) in queries.enumerated() { corpus.add("FuzzAltinnQuery", "query-\(i + 1)", Array(query.utf8)) }

var tokens: [String] = []
var consentIDs: [String] = []
for round in 0..<3 {
    let created = try bank.call(Consent_V1_ConsentService.createRequest, round == 1 ? taxRequest : navRequest(round == 2 ? "soknad-2024-0042" : ""))
    let id = created.request!.id
    try portal.call(Consent_V1_ConsentService.getRequest, .init(requestId: id, language: round == 1 ? "en" : ""), metadata: user)
    try bank.call(Consent_V1_ConsentService.getRequestStatus, .init(requestId: id))
    let answer = try portal.call(Consent_V1_ConsentService.acceptRequest, .init(requestId: id), metadata: user)
    let code = URLComponents(string: answer.redirectUrl)!.queryItems!.first { $0.name == "AuthorizationCode" }!.value!
    let grant = try bank.call(Consent_V1_TokenService.exchangeCode, .init(code: code)).grant!
    expectRefusal { try bank.call(Consent_V1_TokenService.exchangeCode, .init(code: code)) }
    tokens.append(grant.token)
    consentIDs.append(id)
    let source = round == 1 ? skatt : nav
    let resource = round == 1 ? "4629_2" : "5252_1"
    let metadata: [Consent_V1_TokenMetadataValue] = round == 1 ? [.init(key: "inntektsaar", value: "2024")] : [.init(key: "fraOgMed", value: "01.01.2024")]
    try source.call(Consent_V1_TokenService.verifyToken, .init(token: grant.token, resource: resource, metadata: metadata))
    try source.call(Consent_V1_TokenService.logUse, .init(resource: resource, consent: .consentId(id)))
    if round != 1 {
        tokens.append(try bank.call(Consent_V1_TokenService.issueToken, .init(consentId: id)).grant!.token)
        try source.call(Consent_V1_TokenService.logUses, .init(uses: [
            .init(resource: resource, usedAtMs: nowMs, consent: .token(grant.token)),
            .init(resource: resource, consent: .consentId(id)),
        ]))
    }
}
for query in queries.prefix(2) {
    let created = try bank.call(Consent_V1_ConsentService.createRequestFromQuery, .init(query: query))
    try portal.call(Consent_V1_ConsentService.rejectRequest, .init(requestId: created.request!.id), metadata: user)
}
let viaPortal = try portal.call(Consent_V1_ConsentService.createRequestFromQuery, .init(query: queries[0], idempotencyKey: "portal-1"), metadata: user)
let codes = try [navRequest(), navRequest()].map { request -> String in
    let id = try bank.call(Consent_V1_ConsentService.createRequest, request).request!.id
    let answer = try portal.call(Consent_V1_ConsentService.acceptRequest, .init(requestId: id), metadata: user)
    return URLComponents(string: answer.redirectUrl)!.queryItems!.first { $0.name == "AuthorizationCode" }!.value!
}
try bank.call(Consent_V1_TokenService.exchangeCodes, .init(codes: codes + ["not-a-code"]))
try portal.call(Consent_V1_ConsentService.listConsents, .init(), metadata: user)
try portal.call(Consent_V1_ConsentService.getConsentLog, .init(consentId: consentIDs[0], language: "en"), metadata: user)
try portal.call(Consent_V1_ConsentService.getConsentLog, .init(), metadata: user)
try portal.call(Consent_V1_ConsentService.revokeConsent, .init(consentId: consentIDs[0]), metadata: user)
expectRefusal { try portal.call(Consent_V1_ConsentService.revokeConsent, .init(consentId: consentIDs[1]), metadata: user) }
expectRefusal { try portal.call(Consent_V1_ConsentService.getRequest, .init(requestId: viaPortal.request!.id), metadata: TestHub.portalUser(level: 3)) }
expectRefusal { try nav.call(Consent_V1_ConsentService.acceptRequest, .init(requestId: consentIDs[2])) }
expectRefusal { try bank.call(Consent_V1_ConsentService.getRequestStatus, .init(requestId: "not-a-uuid")) }
try bank.call(Consent_V1_ConsentService.listEvents, .init(after: 0, limit: 20))
try nav.call(Consent_V1_ConsentService.listEvents, .init(after: 3, types: [.requestCreated, .consentUsed], fromMs: nowMs - day, toMs: nowMs + day))
try admin.call(Consent_V1_ConsentService.listEvents, .init(after: 10))
_ = bank.stream(Consent_V1_ConsentService.watchEvents, .init(after: 0), messages: 3)
_ = nav.stream(Consent_V1_ConsentService.watchEvents, .init(after: 5, types: [.consentUsed]), messages: 2)
let keys = try nav.call(Consent_V1_TokenService.getSigningKeys, .init())

// The consumer's lifecycle calls: a system vendor acting for the bank,
// deleting an unanswered request, the bank ending a consent, its own lists,
// the data sources' statistics and the person's counts.
let vendor = try RecordingClient(hub, "vendor")
let actingForBank = TestHub.actingFor()
let vendorID = DevPrincipal.vendor.organisationNumber
try bank.call(Consent_V1_RegistryService.authoriseVendor, .init(authorisation: .init(
    vendorOrgNumber: vendorID, vendorName: "BANKSYSTEMER AS", resourceIds: ["5252_1"])))
expectRefusal { try bank.call(Consent_V1_RegistryService.authoriseVendor, .init(authorisation: .init(
    vendorOrgNumber: "910203045", vendorName: "BANKEN AS", resourceIds: ["5252_1"]))) }  // vendor_is_consumer
try bank.call(Consent_V1_RegistryService.listVendors, .init())
try admin.call(Consent_V1_RegistryService.listVendors, .init())
let byVendor = try vendor.call(Consent_V1_ConsentService.createRequest, navRequest("vendor-1"), metadata: actingForBank)
try vendor.call(Consent_V1_ConsentService.listRequests, .init(statuses: [.created], resourceId: "5252_1", limit: 10), metadata: actingForBank)
try vendor.call(Consent_V1_ConsentService.deleteRequest, .init(requestId: byVendor.request!.id), metadata: actingForBank)
let unanswered = try bank.call(Consent_V1_ConsentService.createRequest, navRequest())
try bank.call(Consent_V1_ConsentService.deleteRequest, .init(requestId: unanswered.request!.id))
expectRefusal { try bank.call(Consent_V1_ConsentService.deleteRequest, .init(requestId: consentIDs[2])) }  // answered already
try bank.call(Consent_V1_ConsentService.revokeConsent, .init(consentId: consentIDs[2]))  // the bank ends the consent
try bank.call(Consent_V1_ConsentService.listRequests, .init())
try bank.call(Consent_V1_ConsentService.listRequests, .init(
    after: 2, statuses: [.accepted, .revoked], createdFromMs: nowMs - day, createdToMs: nowMs + day, limit: 5))
expectRefusal { try bank.call(Consent_V1_ConsentService.listRequests, .init(statuses: [.unspecified])) }
try nav.call(Consent_V1_ConsentService.getStatistics, .init(resourceId: "5252_1", fromMs: nowMs - 30 * day, toMs: nowMs + day, period: .day))
try skatt.call(Consent_V1_ConsentService.getStatistics, .init(period: .month))
try admin.call(Consent_V1_ConsentService.getStatistics, .init(fromMs: nowMs - 400 * day, toMs: nowMs + day, period: .month))
expectRefusal { try nav.call(Consent_V1_ConsentService.getStatistics, .init(resourceId: "4629_2")) }  // not NAV's
try portal.call(Consent_V1_ConsentService.countConsents, .init(), metadata: user)
expectRefusal { try portal.call(Consent_V1_ConsentService.countConsents, .init(party: "974760673"), metadata: user) }
try bank.call(Consent_V1_RegistryService.deauthoriseVendor, .init(consumerOrgNumber: "910203045", vendorOrgNumber: vendorID))
expectRefusal { try vendor.call(Consent_V1_ConsentService.listRequests, .init(), metadata: actingForBank) }  // no longer authorised

// A data source's own words: NAV registers a fullmakt template (two
// versions), names it on its resource, a request pins it and its page and
// log carry the template's texts; the refusals a data source meets.
let fullmakt = Consent_V1_ConsentTemplate(
    templateId: "nav-fullmakt", kind: .powerOfAttorney,
    heading: .init(nbNo: "Fullmakt til å søke på dine vegne", en: "Power of attorney to apply for you"),
    intro: .init(nbNo: "{CoveredByName} ber om fullmakt til å søke for {OfferedByName}.",
                 en: "{CoveredByName} asks for a power of attorney to apply for {OfferedByName}."),
    expiry: .init(nbNo: "Fullmakten gjelder til og med {ValidTo}."),
    log: .init(nbNo: "{CoveredByName} fikk fullmakt fra {OfferedByName} (til {ValidTo})"))
try nav.call(Consent_V1_RegistryService.registerTemplate, .init(consentTemplate: fullmakt))
var fullmaktV2 = fullmakt
fullmaktV2.heading?.nnNo = "Fullmakt til å søkje på vegner av deg"
try nav.call(Consent_V1_RegistryService.registerTemplate, .init(consentTemplate: fullmaktV2))
try nav.call(Consent_V1_RegistryService.listTemplates, .init())
try admin.call(Consent_V1_RegistryService.listTemplates, .init())
var unknownPlaceholder = fullmakt
unknownPlaceholder.intro?.nbNo = "{fraOgMed} er ikke en plassholder her"
expectRefusal { try nav.call(Consent_V1_RegistryService.registerTemplate, .init(consentTemplate: unknownPlaceholder)) }
expectRefusal { try bank.call(Consent_V1_RegistryService.registerTemplate, .init(consentTemplate: fullmakt)) }  // not a data source
if var definition = navResource.resource {
    definition.consentTemplate = "nav-fullmakt"
    try nav.call(Consent_V1_RegistryService.registerResource, .init(resource: definition))
    let pinned = try bank.call(Consent_V1_ConsentService.createRequest, navRequest("template-1"))
    try portal.call(Consent_V1_ConsentService.getRequest, .init(requestId: pinned.request!.id, language: "nn-NO"), metadata: user)
    try portal.call(Consent_V1_ConsentService.acceptRequest, .init(requestId: pinned.request!.id), metadata: user)
    try portal.call(Consent_V1_ConsentService.getConsentLog, .init(consentId: pinned.request!.id), metadata: user)
    definition.consentTemplate = "skatt-template"  // not NAV's
    expectRefusal { try nav.call(Consent_V1_RegistryService.registerResource, .init(resource: definition)) }
}

// Connection-level frames as the transport writes them.
bank.record(Consent_V1_Frame(callId: 0, kind: .ping(.init(data: 42))), sent: true)
bank.record(Consent_V1_Frame(callId: 0, kind: .pong(.init(data: 42))), sent: false)
bank.record(Consent_V1_Frame(callId: 0, kind: .ping(.init(data: UInt64(nowMs) * 1_000_000))), sent: true)
bank.record(Consent_V1_Frame(callId: 0, kind: .goAway(.init(code: .noError, reason: "server is shutting down"))), sent: false)
bank.record(Consent_V1_Frame(callId: 0, kind: .goAway(.init(code: .frameTooLarge, reason: "frame of 4194305 bytes exceeds the limit of 4194304 bytes"))), sent: false)
bank.record(Consent_V1_Frame(callId: 0, kind: .goAway(.init(code: .protocolError, reason: "undecodable frame: truncated varint"))), sent: false)

// The stream decoder: each connection's frames, in order, under three limits.
for client in [bank, nav, portal] {
    for (direction, stream) in [("sent", client.sent.withLock { $0 }), ("received", client.received.withLock { $0 })] {
        let head = Array(stream.prefix(3_000))
        corpus.add("FuzzFrameDecoder", "\(client.name)-\(direction)", [0x0F] + head)       // 4 MiB limit, 16 KiB buffer
        corpus.add("FuzzFrameDecoder", "\(client.name)-\(direction)-small-buffer", [0x03] + Array(head.prefix(1_500)))  // 4 bytes to start
        corpus.add("FuzzFrameDecoder", "\(client.name)-\(direction)-300-byte-limit", [0x05] + Array(head.prefix(1_500)))
    }
}

// Tokens: whole, and their JSON parts; the published keys.
for (i, token) in tokens.enumerated() {
    corpus.add("FuzzToken", "token-\(i + 1)", [0] + Array(token.utf8))
    let parts = token.split(separator: ".").map(String.init)
    for (part, name) in zip(parts.prefix(2), ["header", "claims"]) {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let json = [UInt8](Data(base64Encoded: base64)!)
        corpus.add("FuzzToken", "json-\(name)-\(i + 1)", [1] + json)
        if name == "claims" { corpus.add("FuzzToken", "claims-\(i + 1)", [2] + json) }
    }
}
corpus.add("FuzzToken", "jwks", [3] + Array(keys.jwks.utf8))
corpus.add("FuzzToken", "json-jwks", [1] + Array(keys.jwks.utf8))

for client in [bank, nav, skatt, portal, admin, vendor] { client.close() }
let principals = try [UInt8](Data(contentsOf: URL(fileURLWithPath: hub.certificates.path("principals.json"))))
corpus.add("FuzzPrincipals", "dev-principals.json", principals)
let dataDirectory = hub.dataDirectory
await hub.server.shutdownGracefully()

// MARK: The event log, read back

/// Replays the hub's log, keeping every record and snapshots of the state on the way.
struct RecordingState: ReplayableState {
    nonisolated(unsafe) static var records: [[UInt8]] = []
    nonisolated(unsafe) static var snapshots: [[UInt8]] = []
    var state = ConsentState()

    init() {}
    struct NoSnapshots: Error {}
    init(snapshot: [UInt8]) throws { throw NoSnapshots() }  // replay every record

    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws {
        let bytes = Array(payload)
        Self.records.append(bytes)
        _ = try state.apply(encoded: bytes)
        if [6, 20, 40].contains(sequence) { Self.snapshots.append(state.encodeSnapshot()) }
    }

    func encodeSnapshot() -> [UInt8] { state.encodeSnapshot() }
}
var options = LogOptions()
options.createDirectory = false
options.snapshotEveryRecords = nil
options.snapshotEveryBytes = nil
let (log, replayed, _) = try EventLog<RecordingState>.open(directory: dataDirectory, options: options)
log.close()
try? FileManager.default.removeItem(atPath: dataDirectory)
var kinds: [UInt8: Int] = [:]
for record in RecordingState.records where record.count > 1 {
    // Up to three records of each event type.
    kinds[record[1], default: 0] += 1
    if kinds[record[1]]! <= 3 { corpus.add("FuzzEventCodec", "event-type-\(record[1])-\(kinds[record[1]]!)", record) }
}
for (i, snapshot) in (RecordingState.snapshots + [replayed.encodeSnapshot(), ConsentState().encodeSnapshot()]).enumerated() {
    corpus.add("FuzzSnapshot", "snapshot-\(i + 1)", snapshot)
}

// MARK: A config file as an operator writes one

let config = """
    # consentd configuration (consentd --config FILE); flags on the command line win.
    listen = 0.0.0.0:7443
    data-dir = /var/lib/consenthub
    cert = /etc/consenthub/server.pem
    key = /etc/consenthub/server.key
    client-ca = /etc/consenthub/clients-ca.pem
    principals = /etc/consenthub/principals.json   # reloaded on SIGHUP
    threads = 2
    max-frame-size = 4M
    max-concurrent-calls = 1024
    handshake-timeout = 10
    idle-timeout = 300
    shutdown-timeout = 30
    log-level = info
    request-ttl = 86400
    code-lifetime = 300
    expiry-interval = 60
    token-lifetime = 120
    issuer = "https://samtykke.example.no"
    signing-key = /etc/consenthub/token-2026.key
    publish-keys = /etc/consenthub/token-2025.pub,/etc/consenthub/token-2027.key
    segment-size = 64MiB
    snapshot-every-records = 1000000
    snapshot-every-bytes = 0
    snapshots-to-keep = 2
    snapshot-keeps-state = false
    remove-covered-segments = false
    cut-torn-final-batch = no
    demo-registry = off

    """
corpus.add("FuzzConfigFile", "production.conf", Array(config.utf8))
corpus.add("FuzzConfigFile", "dev.conf", Array("listen = 127.0.0.1:0\ndata-dir = ./data\ndemo-registry = true\nlog-level = debug\n".utf8))

try corpus.write()
