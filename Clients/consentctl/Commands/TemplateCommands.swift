import ConsentProto
import Foundation

/// `template …`: a data source's consent templates (RegistryService.RegisterTemplate
/// and ListTemplates; issue 12, point 4): its own heading, intro, expiry text
/// and Samtykkelogg line per language, for a consent or a fullmakt.
enum TemplateCommands {
    typealias Registry = Consent_V1_RegistryService

    static let all: [Command] = [
        Command(
            name: "template register",
            summary: "register a consent template or a new version from a JSON file (RegistryService.RegisterTemplate; datasource, admin)",
            usage: "template register --file FILE",
            details: """
                FILE describes one template (a data source may leave out "owner": it is then the caller):

                  {
                    "id": "nav-fullmakt",
                    "owner": "889640782",
                    "kind": "fullmakt",
                    "heading": {"nb-NO": "Fullmakt til å søke på dine vegne", "en": "Power of attorney to apply for you"},
                    "intro": {"nb-NO": "{CoveredByName} ber om fullmakt til å sende søknad for {OfferedByName}."},
                    "expiry": {"nb-NO": "Fullmakten gjelder til og med {ValidTo}."},
                    "log": {"nb-NO": "{CoveredByName} fikk fullmakt fra {OfferedByName} (til {ValidTo})"}
                  }

                kind: "consent" (samtykke) or "fullmakt" (power of attorney: the page's buttons and note say
                fullmakt). heading (at most 200 characters) and intro (1,000) are required, "expiry" and "log"
                (1,000) optional, and say {ValidTo} in every language given; "nb-NO" is required in every
                text given, "nn-NO" and "en" optional; any other language key is refused.
                placeholders: {CoveredByName} {CoveredBy} {OfferedByName} {ValidFrom} {ValidTo}.
                Registering other content under the same id is the next version; requests keep the version
                in force when they were created. A resource uses it with "consentTemplate" in its file.

                example:
                  consentctl --profile datasource template register --file fullmakt.json
                """,
            options: [.value("file", "FILE", "the template as JSON (see above)")],
            run: { invocation throws(CLIError) in
                let template = try TemplateFile.load(try invocation.arguments.required("file"))
                let response = try invocation.call(Registry.registerTemplate, Consent_V1_RegisterTemplateRequest(consentTemplate: template))
                invocation.output.emit(response) { r in "registered " + (r.consentTemplate.map(line) ?? "") }
            }
        ),
        Command(
            name: "template list",
            summary: "list consent templates, the version in force of each (RegistryService.ListTemplates; datasource, admin)",
            usage: "template list [--owner ORG]",
            details: """
                one line per template: id, version, kind, owner and the Bokmål heading. A data source sees its
                own, an admin every one, or with --owner one data source's (the whole list is one answer, which
                with many data sources can exceed a frame: list per data source).

                example:
                  consentctl --profile datasource template list
                  consentctl --profile admin template list --owner 889640782
                """,
            options: [.value("owner", "ORG", "only this data source's templates (9 digits)")],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_ListTemplatesRequest(ownerOrgNumber: invocation.arguments["owner"] ?? "")
                let response = try invocation.call(Registry.listTemplates, request)
                invocation.output.emit(response) { r in r.templates.isEmpty ? "no templates" : r.templates.map(line).joined(separator: "\n") }
            }
        ),
    ]

    static func line(_ t: Consent_V1_ConsentTemplate) -> String {
        let kind = t.kind == .powerOfAttorney ? "fullmakt" : "samtykke"
        return "\(t.templateId) v\(t.version)  \(kind)  owner \(t.ownerOrgNumber)  \"\(t.heading?.nbNo ?? "")\""
    }
}

/// The JSON file of `template register`, decoded with Foundation (the server checks the rules).
struct TemplateFile: Decodable {
    var id: String
    var owner: String?
    var kind: String
    var heading: ResourceFile.Texts
    var intro: ResourceFile.Texts
    var expiry: ResourceFile.Texts?
    var log: ResourceFile.Texts?

    /// Reads and converts the file.
    /// - Throws: `CLIError.local` naming the file and what is wrong with it.
    static func load(_ path: String) throws(CLIError) -> Consent_V1_ConsentTemplate {
        guard let data = FileManager.default.contents(atPath: path) else { throw .local("cannot read \(path)") }
        let file: TemplateFile
        do {
            file = try JSONDecoder().decode(TemplateFile.self, from: data)
        } catch {
            throw ResourceFile.problem(error, path: path, kind: "template")
        }
        let kind: Consent_V1_TemplateKind
        switch file.kind.lowercased() {
        case "consent", "samtykke": kind = .consent
        case "fullmakt", "power-of-attorney", "poa": kind = .powerOfAttorney
        default: throw .local("\(path): kind \"\(file.kind)\" is neither \"consent\" nor \"fullmakt\"")
        }
        func text(_ t: ResourceFile.Texts?) -> Consent_V1_LocalizedText {
            .init(nbNo: t?.nb ?? "", nnNo: t?.nn ?? "", en: t?.en ?? "")
        }
        return Consent_V1_ConsentTemplate(
            templateId: file.id, ownerOrgNumber: file.owner ?? "", kind: kind,
            heading: text(file.heading), intro: text(file.intro), expiry: text(file.expiry), log: text(file.log))
    }
}
