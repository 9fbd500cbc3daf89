/// Consent text templates: plain text with placeholders in braces.
///
/// The placeholders every template may use are the ``Placeholder`` cases; a
/// resource's metadata keys are placeholders too (`{fraOgMed}`, `{inntektsaar}`).
/// An unknown name or a lone brace is refused when the resource is registered,
/// so a typo is found by the data source, not by a user reading `{CoverdByName}`.
public enum TextTemplate {
    /// The placeholder names in a template, in order.
    /// - Throws: `invalidArgument` `text_placeholder_malformed` for an unclosed
    ///   `{`, a stray `}`, or an empty or nested placeholder.
    static func placeholders(in template: String, resource: ResourceID) throws(DomainError) -> [String] {
        try placeholders(in: template) { problem in .textPlaceholderMalformed(resource, problem) }
    }

    /// The placeholder names in a consent template's text (same rules).
    static func placeholders(in text: String, template: String) throws(DomainError) -> [String] {
        try placeholders(in: text) { problem in .templatePlaceholderMalformed(template, problem) }
    }

    private static func placeholders(in template: String, malformed: (String) -> DomainError) throws(DomainError) -> [String] {
        var names: [String] = []
        var current: String? = nil
        for ch in template {
            switch ch {
            case "{":
                guard current == nil else { throw malformed("a '{' inside a placeholder") }
                current = ""
            case "}":
                guard let name = current else { throw malformed("a '}' without a '{'") }
                guard !name.isEmpty else { throw malformed("an empty placeholder '{}'") }
                names.append(name)
                current = nil
            default:
                if current != nil { current!.append(ch) }
            }
        }
        guard current == nil else { throw malformed("a '{' that is never closed") }
        return names
    }

    /// Fills in a template; a placeholder without a value is left as written.
    static func render(_ template: String, _ value: (String) -> String?) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 64)
        var name: String? = nil
        for ch in template {
            if ch == "{", name == nil {
                name = ""
            } else if ch == "}", let n = name {
                out += value(n) ?? "{\(n)}"
                name = nil
            } else if name != nil {
                name!.append(ch)
            } else {
                out.append(ch)
            }
        }
        if let n = name { out += "{" + n }
        return out
    }
}

/// The placeholders the hub fills in for every resource text.
public enum Placeholder: String, CaseIterable, Sendable {
    /// The consumer's name, e.g. `BANKEN AS` (seed 003's `<Selskap xx>`).
    case coveredByName = "CoveredByName"
    /// The consumer's organisation number.
    case coveredBy = "CoveredBy"
    /// The name of the person giving consent (or the organisation number).
    case offeredByName = "OfferedByName"
    /// The start of validity, `dd.MM.yyyy kl. HH:mm` (seed 003: "gyldig fra og med XX.XX.XXXX kl. XX:XX").
    case validFrom = "ValidFrom"
    /// The end of validity, same format.
    case validTo = "ValidTo"
}
