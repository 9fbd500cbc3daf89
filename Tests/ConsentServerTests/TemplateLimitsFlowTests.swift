import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Testing

/// The consent templates over the wire: the limits and hostile inputs the
/// domain tests check, through the router, each a clear refusal by reason
/// that leaves the hub serving and the data as it was; and ListTemplates per
/// data source, each answer within a frame.
@Suite struct TemplateLimitsFlowTests {
    typealias Registry = Consent_V1_RegistryService

    static func template(_ id: String, heading: String = "Fullmakt til å søke på dine vegne") -> Consent_V1_ConsentTemplate {
        var t = TemplateFlowTests.fullmakt(heading: heading)
        t.templateId = id
        return t
    }

    /// A call with a payload as given (not necessarily a valid message).
    static func raw(_ client: some ClientTransport, _ method: String, _ payload: [UInt8]) async -> CallResult {
        await withCheckedContinuation { (continuation: CheckedContinuation<CallResult, Never>) in
            _ = client.startCall(method: method, payload: payload, options: CallOptions(timeout: .seconds(30)),
                                 onMessage: { _ in }, onFinish: { continuation.resume(returning: $0) })
        }
    }

    @Test func limitsAndHostileTemplatesOverTheWireAreRefusedByReasonAndChangeNothing() async throws {
        let hub = try InProcessHub()
        let nav = try hub.client("datasource"), skatt = try hub.client("datasource-skatt")

        // 20 templates, then the 21st is refused.
        for n in 0..<20 { _ = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.template("t\(n)"))) }
        let twentyFirst = await Flow.refusal { _ = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.template("t20"))) }
        #expect(twentyFirst?.code == .outOfRange && Flow.reason(twentyFirst) == "too_many_templates", "\(String(describing: twentyFirst))")

        // 100 versions of t0, then the 101st is refused.
        for n in 2...100 {
            let v = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.template("t0", heading: "Versjon \(n)"))).consentTemplate
            #expect(v?.version == UInt32(n))
        }
        let hundredFirst = await Flow.refusal {
            _ = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.template("t0", heading: "Versjon 101")))
        }
        #expect(hundredFirst?.code == .outOfRange && Flow.reason(hundredFirst) == "too_many_template_versions", "\(String(describing: hundredFirst))")

        // Another data source may not take NAV's id, nor register an empty one.
        let taken = await Flow.refusal { _ = try await skatt.unary(Registry.registerTemplate, .init(consentTemplate: Self.template("t0"))) }
        #expect(taken?.code == .permissionDenied && Flow.reason(taken) == "template_owned_by_other", "\(String(describing: taken))")
        let empty = await Flow.refusal { _ = try await skatt.unary(Registry.registerTemplate, .init(consentTemplate: Self.template(""))) }
        #expect(empty?.code == .invalidArgument && Flow.reason(empty) == "template_id_invalid", "\(String(describing: empty))")

        // Invalid UTF-8 in the heading: the heading's bytes "AAAA" replaced by a broken sequence.
        var bytes = Consent_V1_RegisterTemplateRequest(consentTemplate: Self.template("skatt-ny", heading: "AAAA")).serializedBytes()
        let at = try #require((0...(bytes.count - 4)).first { Array(bytes[$0..<$0 + 4]) == Array("AAAA".utf8) })
        bytes.replaceSubrange(at..<at + 4, with: [0xC3, 0x28, 0xFF, 0xFE])
        let broken = await Self.raw(skatt, Registry.registerTemplate.fullName, bytes)
        #expect(broken.code == .invalidArgument && broken.trailers[DomainErrorMapping.reasonKey] == "payload_malformed", "\(broken.code) \(broken.message)")

        // Nothing changed, and the hub still serves both.
        let listed = try await nav.unary(Registry.listTemplates, .init()).templates
        #expect(listed.count == 20 && listed.first { $0.templateId == "t0" }?.version == 100)
        #expect(listed.first { $0.templateId == "t0" }?.heading?.nbNo == "Versjon 100")
        #expect(try await skatt.unary(Registry.listTemplates, .init()).templates.isEmpty)
        await hub.stop()
    }

    /// ListTemplates has no paging: the admin's whole answer holds every data
    /// source's templates, each up to (200 + 3 × 1,000) characters in three
    /// languages, and six data sources at the limits (20 templates each) make
    /// it larger than the default 4 MiB frame (docs/PROTOCOL.md). With
    /// `owner_org_number` the admin lists one data source's at a time, each
    /// answer within a frame; a data source may name only itself.
    @Test func theAdminListsTemplatesPerDataSourceEachAnswerWithinAFrame() async throws {
        let hub = try InProcessHub()
        let admin = try hub.client("admin"), nav = try hub.client("datasource")
        let ending = String(repeating: "\u{1F600}", count: 1000 - "{ValidTo}".count) + "{ValidTo}"
        let wide = String(repeating: "\u{1F600}", count: 1000), heading = String(repeating: "\u{1F600}", count: 200)
        func text(_ s: String) -> Consent_V1_LocalizedText { .init(nbNo: s, nnNo: s, en: s) }
        let owners = (UInt32(81_000_000)...UInt32(81_000_100)).filter { OrganisationNumber.checkDigit(forFirstEightDigits: $0) != nil }.prefix(6)
        for (owner, firstEight) in owners.enumerated() {
            for n in 0..<20 {
                let t = Consent_V1_ConsentTemplate(templateId: "o\(owner)-t\(n)", ownerOrgNumber: Flow.organisation(firstEight),
                                                   kind: .consent, heading: text(heading), intro: text(wide), expiry: text(ending), log: text(ending))
                _ = try await admin.unary(Registry.registerTemplate, .init(consentTemplate: t))
            }
        }
        var sizes: [Int] = []
        for (owner, firstEight) in owners.enumerated() {
            let listed = try await admin.unary(Registry.listTemplates, .init(ownerOrgNumber: Flow.organisation(firstEight)))
            #expect(listed.templates.map(\.templateId) == (0..<20).map { "o\(owner)-t\($0)" }.sorted())
            #expect(Set(listed.templates.map(\.ownerOrgNumber)) == [Flow.organisation(firstEight)])
            sizes.append(listed.serializedBytes().count)
        }
        #expect(sizes.allSatisfy { $0 <= 4 * 1024 * 1024 }, "one data source's answer over the default max-frame-size: \(sizes)")
        #expect(sizes.reduce(0, +) > 4 * 1024 * 1024, "the whole list would fit a frame: \(sizes.reduce(0, +)) bytes; the case tests nothing")
        #expect(try await admin.unary(Registry.listTemplates, .init(ownerOrgNumber: DevPrincipal.nav.organisationNumber)).templates.isEmpty)

        // A data source names only itself; a malformed number is refused by reason.
        #expect(try await nav.unary(Registry.listTemplates, .init(ownerOrgNumber: DevPrincipal.nav.organisationNumber)).templates.isEmpty)
        let other = await Flow.refusal { _ = try await nav.unary(Registry.listTemplates, .init(ownerOrgNumber: Flow.organisation(owners.first!))) }
        #expect(other?.code == .permissionDenied && Flow.reason(other) == "template_not_own", "\(String(describing: other))")
        let malformed = await Flow.refusal { _ = try await admin.unary(Registry.listTemplates, .init(ownerOrgNumber: "12345")) }
        #expect(malformed?.code == .invalidArgument && Flow.reason(malformed) == "organisation_number_length", "\(String(describing: malformed))")
        await hub.stop()
    }
}
