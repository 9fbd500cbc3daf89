/// A text in Altinn's three languages. Bokmål (`nb-NO`) is required for every
/// resource text and is the fallback when a text is missing in the asked language.
public struct LocalizedText: Hashable, Sendable {
    /// English.
    public var english: String?
    /// Norwegian Bokmål.
    public var bokmal: String?
    /// Norwegian Nynorsk.
    public var nynorsk: String?

    /// Creates a text.
    public init(bokmal: String?, nynorsk: String? = nil, english: String? = nil) {
        self.bokmal = bokmal
        self.nynorsk = nynorsk
        self.english = english
    }

    /// The text in one language, `nil` if missing.
    public subscript(language: Language) -> String? {
        switch language {
        case .english: return english
        case .bokmal: return bokmal
        case .nynorsk: return nynorsk
        }
    }

    /// The text in `language`, falling back to Bokmål; with the language actually used.
    public func resolved(in language: Language) -> (text: String, language: Language)? {
        if let text = self[language], !text.isEmpty { return (text, language) }
        if let text = bokmal, !text.isEmpty { return (text, .bokmal) }
        return nil
    }

    /// The texts present, with their languages.
    var present: [(Language, String)] {
        Language.allCases.compactMap { lang in self[lang].map { (lang, $0) } }
    }
}
