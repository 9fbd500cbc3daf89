/// The languages of Altinn's consent page (seed 004, `LanguageCode`).
public enum Language: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// English, `en`.
    case english = 1
    /// Norwegian Bokmål, `nb-NO`: the fallback when a text is missing.
    case bokmal = 2
    /// Norwegian Nynorsk, `nn-NO`.
    case nynorsk = 3

    /// Parses `en`, `nb-NO` or `nn-NO`, ignoring case.
    /// - Throws: `invalidArgument` with reason `language_unknown`.
    public init(validating code: some StringProtocol) throws(DomainError) {
        switch code.lowercased() {
        case "en": self = .english
        case "nb-no": self = .bokmal
        case "nn-no": self = .nynorsk
        default: throw .languageUnknown(String(code))
        }
    }

    /// The code as Altinn writes it.
    public var code: String {
        switch self {
        case .english: return "en"
        case .bokmal: return "nb-NO"
        case .nynorsk: return "nn-NO"
        }
    }

    public var description: String { code }
}
