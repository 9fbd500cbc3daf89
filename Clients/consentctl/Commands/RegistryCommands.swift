import ConsentProto
import Foundation

/// `resource …`: the registry of what can be consented to and who may ask for
/// it (RegistryService). Changes need a data source's (its own resources) or an
/// admin's certificate; consumers may read what they are authorised for.
enum RegistryCommands {
    typealias Registry = Consent_V1_RegistryService

    static let all: [Command] = [
        Command(
            name: "resource list",
            summary: "list the resources this caller may see (RegistryService.ListResources)",
            usage: "resource list",
            details: """
                a data source sees its own resources, a consumer those it is authorised for, an admin all.

                example:
                  consentctl --profile consumer resource list
                """,
            run: { invocation throws(CLIError) in
                let response = try invocation.call(Registry.listResources, Consent_V1_ListResourcesRequest())
                invocation.output.emit(response) { r in
                    r.resources.isEmpty ? "no resources" : r.resources.map(summaryLine).joined(separator: "\n")
                }
            }
        ),
        Command(
            name: "resource show",
            summary: "show one resource's definition (RegistryService.GetResource)",
            usage: "resource show RESOURCE_ID",
            details: """
                prints the owner, texts, metadata keys and rules of a resource.

                example:
                  consentctl --profile consumer resource show 5252_1
                """,
            run: { invocation throws(CLIError) in
                let id = try invocation.arguments.positional(0, "RESOURCE_ID (e.g. 5252_1)")
                let response = try invocation.call(Registry.getResource, Consent_V1_GetResourceRequest(resourceId: id))
                invocation.output.emit(response) { r in r.resource.map(describe) ?? "" }
            }
        ),
        Command(
            name: "resource register",
            summary: "register or update a resource from a JSON file (RegistryService.RegisterResource)",
            usage: "resource register --file FILE",
            details: """
                FILE describes one resource (a data source may leave out "owner": it is then the caller):

                  {
                    "id": "5252_2",
                    "owner": "889640782",
                    "ownerName": "NAV",
                    "title": {"nb-NO": "Sykepenger fra NAV", "en": "Sickness benefit from NAV"},
                    "text": {"nb-NO": "Ved å samtykke gir du {CoveredByName} rett til å hente opplysninger om sykepenger for {aar}."},
                    "metadata": [{"key": "aar", "format": "year", "required": true}],
                    "dateRanges": [{"from": "fraOgMed", "to": "tilOgMed"}],
                    "kind": "time-limited",
                    "maximumValidity": {"years": 1},
                    "assuranceLevel": 4,
                    "usesPerDay": 4,
                    "organisationAuthority": ["DAGL", "LEDE"],
                    "actions": ["submit-application"],
                    "consentTemplate": "nav-fullmakt"
                  }

                texts: "nb-NO" required, "nn-NO" and "en" optional (any other language key is refused), at most 1,000 characters each, with
                placeholders {CoveredByName} {CoveredBy} {OfferedByName} {ValidFrom} {ValidTo} and the metadata keys.
                metadata format: "date" (dd.mm.yyyy), "year" (yyyy) or "text"; "required" defaults to true.
                kind: "one-time" (engangssamtykke) or "time-limited". maximumValidity: {"days": N} or {"years": N}.
                usesPerDay: how many uses per Norwegian day a consent allows (Berlin Group's frequencyPerDay).
                organisationAuthority: the roles (Enhetsregisteret's codes: DAGL general manager, LEDE chair,
                SIGN signing right, PROK procuration, …) of which someone answering for an organisation must
                hold one there, as the portal states them.
                actions: what a consent lets the consumer do beyond reading (lower-case names), carried in the
                token's consentRights.action after "consent".
                consentTemplate: the id of one of the data source's templates (consentctl template register)
                whose heading, intro, expiry text and log line the page uses.
                "dateRanges", "metadata", "usesPerDay" (no limit), "organisationAuthority" (any signatory),
                "actions" (reading only) and "consentTemplate" (the hub's own texts) may be left out.

                example:
                  consentctl --profile datasource resource register --file sykepenger.json
                """,
            options: [.value("file", "FILE", "the resource as JSON (see above)")],
            run: { invocation throws(CLIError) in
                let path = try invocation.arguments.required("file")
                let definition = try ResourceFile.load(path)
                let response = try invocation.call(Registry.registerResource, Consent_V1_RegisterResourceRequest(resource: definition))
                invocation.output.emit(response) { r in "registered " + (r.resource.map(summaryLine) ?? "") }
            }
        ),
        Command(
            name: "resource authorise",
            summary: "let a consumer ask for consent to a resource (RegistryService.AuthoriseConsumer)",
            usage: "resource authorise RESOURCE_ID --consumer ORGNO --name NAME --redirect-domain DOMAIN [--redirect-domain DOMAIN …]",
            details: """
                adds the consumer to the resource's rettighetsregister, or replaces its name and domains.
                The consumer's RedirectUrl must then be https on one of the domains (or a subdomain).

                example:
                  consentctl --profile datasource resource authorise 5252_1 --consumer 910203045 --name "BANKEN AS" --redirect-domain banken.example
                """,
            options: [
                .value("consumer", "ORGNO", "the consumer's organisation number"),
                .value("name", "NAME", "the consumer's name as users see it"),
                .value("redirect-domain", "DOMAIN", "a domain the consumer may send users back to", repeatable: true),
            ],
            run: { invocation throws(CLIError) in
                let authorisation = Consent_V1_ConsumerAuthorisation(
                    resourceId: try invocation.arguments.positional(0, "RESOURCE_ID (e.g. 5252_1)"),
                    consumerOrgNumber: try invocation.arguments.required("consumer"),
                    consumerName: try invocation.arguments.required("name"),
                    redirectDomains: invocation.arguments.all("redirect-domain"))
                guard !authorisation.redirectDomains.isEmpty else { throw .usage("--redirect-domain is required (at least one)") }
                let response = try invocation.call(Registry.authoriseConsumer, Consent_V1_AuthoriseConsumerRequest(authorisation: authorisation))
                invocation.output.emit(response) { r in "authorised " + (r.authorisation.map(authorisationLine) ?? "") }
            }
        ),
        Command(
            name: "resource deauthorise",
            summary: "stop a consumer from asking for new consents to a resource (RegistryService.DeauthoriseConsumer)",
            usage: "resource deauthorise RESOURCE_ID --consumer ORGNO",
            details: """
                consents already given stay valid: they are the user's decision.

                example:
                  consentctl --profile datasource resource deauthorise 5252_1 --consumer 910203045
                """,
            options: [.value("consumer", "ORGNO", "the consumer's organisation number")],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_DeauthoriseConsumerRequest(
                    resourceId: try invocation.arguments.positional(0, "RESOURCE_ID (e.g. 5252_1)"),
                    consumerOrgNumber: try invocation.arguments.required("consumer"))
                let response = try invocation.call(Registry.deauthoriseConsumer, request)
                invocation.output.emit(response) { r in "\(r.consumerOrgNumber) may no longer ask for \(r.resourceId)" }
            }
        ),
        Command(
            name: "resource authorisations",
            summary: "list who may ask for what: the rettighetsregister (RegistryService.ListAuthorisations)",
            usage: "resource authorisations [RESOURCE_ID]",
            details: """
                a data source sees its resources' entries, a consumer its own, an admin all.

                example:
                  consentctl --profile datasource resource authorisations 5252_1
                """,
            run: { invocation throws(CLIError) in
                let resource = invocation.arguments.positionals.first ?? ""
                let response = try invocation.call(Registry.listAuthorisations, Consent_V1_ListAuthorisationsRequest(resourceId: resource))
                invocation.output.emit(response) { r in
                    r.authorisations.isEmpty ? "no authorisations" : r.authorisations.map(authorisationLine).joined(separator: "\n")
                }
            }
        ),
    ]

    // MARK: Human output

    static func summaryLine(_ r: Consent_V1_ResourceDefinition) -> String {
        "\(r.resourceId)  \(r.ownerName) (\(r.ownerOrgNumber))  \(kindText(r))  \(r.title?.nbNo ?? "")"
    }

    static func kindText(_ r: Consent_V1_ResourceDefinition) -> String {
        let kind = r.kind == .oneTime ? "one-time" : "time-limited"
        var validity = ""
        if let m = r.maximumValidity {
            validity = ", at most \(m.amount) \(m.unit == .years ? (m.amount == 1 ? "year" : "years") : (m.amount == 1 ? "day" : "days"))"
        }
        return "\(kind)\(validity), level \(r.requiredAssuranceLevel)"
    }

    static func describe(_ r: Consent_V1_ResourceDefinition) -> String {
        var lines = [
            "resource      \(r.resourceId)",
            "owner         \(r.ownerName) (\(r.ownerOrgNumber))",
            "kind          \(kindText(r))",
        ]
        for (label, text) in [("title", r.title), ("text", r.text)] {
            guard let text else { continue }
            for (language, value) in [("nb-NO", text.nbNo), ("nn-NO", text.nnNo), ("en", text.en)] where !value.isEmpty {
                lines.append("\(label) \(language)".padding(toLength: 14, withPad: " ", startingAt: 0) + value.replacingOccurrences(of: "\n", with: "\n              "))
            }
        }
        for m in r.metadata {
            let format = switch m.format {
            case .date: "date dd.mm.yyyy"
            case .year: "year yyyy"
            case .text: "text"
            default: m.format.protoName
            }
            lines.append("metadata      \(m.key) (\(format)\(m.required ? ", required" : ", optional"))")
        }
        for d in r.dateRanges { lines.append("date range    \(d.fromKey) ≤ \(d.toKey)") }
        if r.usesPerDay != 0 { lines.append("uses per day  at most \(r.usesPerDay)") }
        if !r.actions.isEmpty { lines.append("actions       beyond reading: \(r.actions.joined(separator: ", "))") }
        if !r.consentTemplate.isEmpty { lines.append("template      \(r.consentTemplate)") }
        if !r.organisationAuthority.isEmpty {
            lines.append("authority     for an organisation, one of the roles \(r.organisationAuthority.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    static func authorisationLine(_ a: Consent_V1_ConsumerAuthorisation) -> String {
        "\(a.resourceId)  \(a.consumerName) (\(a.consumerOrgNumber))  redirect domains: \(a.redirectDomains.joined(separator: ", "))"
    }
}

/// The JSON file of `resource register`, decoded with Foundation and turned
/// into a `ResourceDefinition` (the server checks the rules).
struct ResourceFile: Decodable {
    struct Texts: Decodable {
        var nb: String?
        var nn: String?
        var en: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case nb = "nb-NO"
            case nn = "nn-NO"
            case en
        }

        /// Any key not a language the hub knows ("nn" for "nn-NO", "se") is
        /// refused rather than dropped: dropped, the text would silently be
        /// missing and the person shown the Bokmål.
        init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            let unknown = keys.filter { CodingKeys(rawValue: $0) == nil }.sorted()
            guard unknown.isEmpty else {
                let known = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown language \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); the languages are \(known)"))
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            nb = try container.decodeIfPresent(String.self, forKey: .nb)
            nn = try container.decodeIfPresent(String.self, forKey: .nn)
            en = try container.decodeIfPresent(String.self, forKey: .en)
        }

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    /// A file's decoding error as one line naming the field, for both file kinds.
    static func problem(_ error: any Error, path: String, kind: String) -> CLIError {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return .local("\(path): \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\" is missing")
        case DecodingError.typeMismatch(_, let context):
            return .local("\(path): \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type: \(context.debugDescription)")
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .local("\(path): \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription)")
        default:
            return .local("\(path) is not a valid \(kind) file: \(error)")
        }
    }

    struct Field: Decodable {
        var key: String
        var format: String
        var required: Bool?
    }

    struct Range: Decodable {
        var from: String
        var to: String
    }

    struct Validity: Decodable {
        var days: UInt32?
        var years: UInt32?
    }

    var id: String
    var owner: String?
    var ownerName: String
    var title: Texts
    var text: Texts
    var metadata: [Field]?
    var dateRanges: [Range]?
    var kind: String
    var maximumValidity: Validity
    var assuranceLevel: UInt32
    var usesPerDay: UInt32?
    var organisationAuthority: [String]?
    var actions: [String]?
    var consentTemplate: String?

    /// Reads and converts the file.
    /// - Throws: `CLIError.local` naming the file and what is wrong with it.
    static func load(_ path: String) throws(CLIError) -> Consent_V1_ResourceDefinition {
        guard let data = FileManager.default.contents(atPath: path) else { throw .local("cannot read \(path)") }
        let file: ResourceFile
        do {
            file = try JSONDecoder().decode(ResourceFile.self, from: data)
        } catch {
            throw problem(error, path: path, kind: "resource")
        }
        return try file.definition(path: path)
    }

    func definition(path: String) throws(CLIError) -> Consent_V1_ResourceDefinition {
        var fields: [Consent_V1_MetadataField] = []
        for f in metadata ?? [] {
            let format: Consent_V1_MetadataFormat
            switch f.format.lowercased() {
            case "date": format = .date
            case "year": format = .year
            case "text": format = .text
            default: throw .local("\(path): metadata \"\(f.key)\" has format \"\(f.format)\"; use date, year or text")
            }
            fields.append(.init(key: f.key, format: format, required: f.required ?? true))
        }
        let consentKind: Consent_V1_ConsentKind
        switch kind.lowercased() {
        case "one-time", "onetime", "one_time": consentKind = .oneTime
        case "time-limited", "timelimited", "time_limited": consentKind = .timeLimited
        default: throw .local("\(path): kind \"\(self.kind)\" is neither \"one-time\" nor \"time-limited\"")
        }
        let validity: Consent_V1_MaximumValidity
        switch (maximumValidity.days, maximumValidity.years) {
        case (let days?, nil): validity = .init(unit: .days, amount: days)
        case (nil, let years?): validity = .init(unit: .years, amount: years)
        default: throw .local("\(path): maximumValidity must be {\"days\": N} or {\"years\": N}")
        }
        return Consent_V1_ResourceDefinition(
            resourceId: id, ownerOrgNumber: owner ?? "", ownerName: ownerName,
            title: .init(nbNo: title.nb ?? "", nnNo: title.nn ?? "", en: title.en ?? ""),
            text: .init(nbNo: text.nb ?? "", nnNo: text.nn ?? "", en: text.en ?? ""),
            metadata: fields,
            dateRanges: (dateRanges ?? []).map { .init(fromKey: $0.from, toKey: $0.to) },
            kind: consentKind, maximumValidity: validity, requiredAssuranceLevel: assuranceLevel, usesPerDay: usesPerDay ?? 0,
            organisationAuthority: organisationAuthority ?? [], actions: actions ?? [], consentTemplate: consentTemplate ?? "")
    }
}
