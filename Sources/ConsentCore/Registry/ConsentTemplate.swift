/// A data source's consent template (Altinn 3's `ConsentTemplate`): its own
/// words for the consent page and the Samtykkelogg, per language, and whether
/// the page asks for a consent (samtykke) or a power of attorney (fullmakt)
/// to act on the person's behalf.
///
/// A resource names the template it uses (``Resource/consentTemplate``). A
/// request pins the template version in force when it is created (see
/// ``TemplatePin``): registering a new version later changes the pages of
/// requests created after it, never what a person has already seen and
/// answered.
///
/// The texts are templates with the hub's placeholders (``Placeholder``:
/// `{CoveredByName}`, `{CoveredBy}`, `{OfferedByName}`, `{ValidFrom}`,
/// `{ValidTo}`); a resource's metadata keys are not placeholders here, since
/// one template serves many resources. Bokmål is required for every text
/// given; heading and intro are required, the expiry and log texts are
/// optional (the hub's own sentences are used when they are missing) and,
/// when given, say `{ValidTo}` in every language, since they replace the
/// hub's sentences that say when the consent ends.
public struct ConsentTemplate: Hashable, Sendable {
    /// The id: a lower-case letter, then lower-case letters, digits and '-', at most 64 (e.g. `nav-fullmakt`).
    public var id: String
    /// The data source that owns it; only its resources may name it.
    public var owner: OrganisationNumber
    /// 1 for the first registration, one more for each change; set by the hub.
    public var version: UInt32
    /// Samtykke or fullmakt.
    public var kind: TemplateKind
    /// The page's heading, replacing "Samtykke til bruk av dine data".
    public var heading: LocalizedText
    /// The introduction under it, replacing "BANKEN AS ønsker å hente opplysninger om deg".
    public var intro: LocalizedText
    /// How long the consent lasts, replacing "Samtykket er gyldig fra og med …" (optional).
    public var expiry: LocalizedText
    /// The Samtykkelogg's line when the consent is given, replacing
    /// "BANKEN AS fikk samtykke fra HÅKON TRANA (Opphører …)" (optional).
    public var log: LocalizedText

    /// Creates a template; the version is assigned when it is registered.
    public init(id: String, owner: OrganisationNumber, version: UInt32 = 0, kind: TemplateKind,
                heading: LocalizedText, intro: LocalizedText,
                expiry: LocalizedText = LocalizedText(bokmal: nil), log: LocalizedText = LocalizedText(bokmal: nil)) {
        self.id = id
        self.owner = owner
        self.version = version
        self.kind = kind
        self.heading = heading
        self.intro = intro
        self.expiry = expiry
        self.log = log
    }

    /// Whether two definitions say the same, whatever their versions.
    func sameContent(as other: ConsentTemplate) -> Bool {
        var a = self, b = other
        a.version = 0
        b.version = 0
        return a == b
    }

    /// The texts with their field names, in the order they are checked.
    var fields: [(name: String, text: LocalizedText)] {
        [("heading", heading), ("intro", intro), ("expiry", expiry), ("log", log)]
    }
}

/// What a person gives on a template's page.
public enum TemplateKind: UInt8, Hashable, Sendable, CaseIterable {
    /// Samtykke: the consumer may fetch data about the person.
    case consent = 1
    /// Fullmakt: the consumer may act on the person's behalf (the page and its
    /// buttons say "fullmakt").
    case powerOfAttorney = 2
}

/// The template version a request was created under.
public struct TemplatePin: Hashable, Sendable {
    /// The template's id.
    public var id: String
    /// Its version when the request was created.
    public var version: UInt32

    /// Creates a pin.
    public init(id: String, version: UInt32) {
        self.id = id
        self.version = version
    }
}

/// The rules a template must follow.
enum TemplateRules {
    /// The most templates one data source may own.
    static let maximumTemplatesPerOwner = 20
    /// The most versions one template may have (every version is kept, since requests pin them).
    static let maximumVersions = 100
    /// The longest heading, in Unicode scalars.
    static let maximumHeadingLength = 200
    /// The longest intro, expiry or log text (as resource texts).
    static let maximumTextLength = ResourceRules.maximumTextLength

    /// The texts that replace a sentence saying when the consent ends, so must say it too ({ValidTo}).
    static let endsMustBeShown: Set<String> = ["expiry", "log"]

    /// A lower-case letter, then lower-case letters, digits and '-', at most 64.
    static func isTemplateID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count), (0x61...0x7A).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// Checks a template's id and texts.
    /// - Throws: the first rule broken, each with its own reason (see DOMAIN.md).
    static func validate(_ t: ConsentTemplate) throws(DomainError) {
        guard isTemplateID(t.id) else { throw .templateIDInvalid(t.id) }
        for (name, text) in t.fields {
            let required = name == "heading" || name == "intro"
            let hasBokmal = text.bokmal.map { !$0.isEmpty } ?? false
            if required || !text.present.isEmpty {
                guard hasBokmal else { throw .templateTextMissingBokmal(t.id, field: name) }
            }
            let maximum = name == "heading" ? maximumHeadingLength : maximumTextLength
            for (language, value) in text.present {
                let count = value.limitLength
                guard count <= maximum else {
                    throw .templateTextTooLong(t.id, field: name, language: language, count: count, maximum: maximum)
                }
                let placeholders = try TextTemplate.placeholders(in: value, template: t.id)
                for placeholder in placeholders {
                    guard Placeholder(rawValue: placeholder) != nil else { throw .templateUnknownPlaceholder(t.id, placeholder) }
                }
                // The expiry sentence replaces the hub's validity sentence (the
                // page's only statement of the end) and the log line its
                // "(Opphører …)": each must still say when the consent ends.
                if endsMustBeShown.contains(name) {
                    guard placeholders.contains(Placeholder.validTo.rawValue) else {
                        throw .templateTextMissingValidTo(t.id, field: name, language: language)
                    }
                }
            }
        }
    }
}
