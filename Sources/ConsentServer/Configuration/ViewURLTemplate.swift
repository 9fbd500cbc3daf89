import Foundation
import ConsentCore

/// Where a person answers a request (Altinn 3's `viewUri`): the portal's URL
/// with the request id in place of `{id}`, e.g.
/// `https://portal.example/consent/{id}` (`consentd --portal-url-template`).
public struct ViewURLTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The placeholder the request id replaces.
    public static let placeholder = "{id}"

    private let prefix: String
    private let suffix: String

    /// Checks a template: an absolute http(s) URL with `{id}` exactly once and
    /// no spaces, quotes or angle brackets (it ends up in messages and pages).
    /// - Throws: `ConfigurationError` saying what is wrong.
    public init(validating template: String) throws(ConfigurationError) {
        let parts = template.components(separatedBy: Self.placeholder)
        guard parts.count == 2 else {
            throw ConfigurationError("portal-url-template must contain \(Self.placeholder) exactly once, e.g. https://portal.example/consent/{id}; not '\(template)'")
        }
        guard template.hasPrefix("https://") || template.hasPrefix("http://"), template.count > "https://".count + Self.placeholder.count else {
            throw ConfigurationError("portal-url-template must be an absolute http or https URL, e.g. https://portal.example/consent/{id}; not '\(template)'")
        }
        guard !template.contains(where: { $0 == " " || $0 == "\"" || $0 == "<" || $0 == ">" || $0 == "\\" || $0.isNewline }) else {
            throw ConfigurationError("portal-url-template must not contain spaces, quotes, angle brackets or backslashes; not '\(template)'")
        }
        prefix = parts[0]
        suffix = parts[1]
    }

    /// The URL where the person answers request `id`.
    public func url(for id: RequestID) -> String {
        prefix + id.description + suffix
    }

    public var description: String { prefix + Self.placeholder + suffix }
}
