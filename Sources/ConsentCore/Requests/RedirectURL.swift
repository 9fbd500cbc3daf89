// The redirect rule, whole: what a consumer's `RedirectUrl` must be, which
// hosts it may name (the domains a data source registered for the consumer),
// how a registered domain is written, and the URL the user's browser is sent
// back to after answering (Altinn 2's format, so consumers' handlers work
// unchanged).

/// The parts of a redirect URL that the rules look at.
struct RedirectURL {
    /// The host, lowercase.
    let host: String

    /// Checks that a redirect URL is an absolute https URL with a host, no user
    /// info, no fragment and no spaces or control characters.
    /// - Throws: `invalidArgument`: `redirect_missing`, `redirect_too_long`,
    ///   `redirect_malformed`, `redirect_not_https`, `redirect_has_fragment`.
    init(validating url: String) throws(DomainError) {
        guard !url.isEmpty else { throw .redirectMissing() }
        guard url.utf8.count <= 2000 else { throw .redirectTooLong(url.utf8.count) }
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .redirectMalformed("it contains spaces or control characters") }
        let utf8 = Array(url.utf8)
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")), colon + 2 < utf8.count,
              utf8[colon + 1] == UInt8(ascii: "/"), utf8[colon + 2] == UInt8(ascii: "/")
        else { throw .redirectMalformed("it is not an absolute URL (scheme://host/…)") }
        let scheme = String(decoding: utf8[..<colon], as: UTF8.self).lowercased()
        guard scheme == "https" else { throw .redirectNotHTTPS(scheme) }
        guard !url.contains("#") else { throw .redirectHasFragment() }
        let rest = String(decoding: utf8[(colon + 3)...], as: UTF8.self)[...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.contains("@") else { throw .redirectMalformed("it contains user information (user@host)") }
        var hostPart = Substring(authority)
        if let colon = authority.lastIndex(of: ":") {
            let port = authority[authority.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCIIDigit }) else {
                throw .redirectMalformed("its port is not a number")
            }
            hostPart = authority[..<colon]
        }
        let host = hostPart.lowercased()
        guard RedirectURL.isHostName(host) else { throw .redirectMalformed("its host is not a valid domain name") }
        self.host = host
    }

    /// Whether `name` is a DNS host name: dot-separated labels of letters, digits
    /// and inner hyphens, each 1–63 characters, 253 in all, not all digits at the end.
    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-"),
                  bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") })
            else { return false }
        }
        // An IP address is not a domain that can be registered.
        return !(labels.last!.allSatisfy { $0.isASCIIDigit })
    }

    /// Checks a consumer's redirect URL against the domains registered for it:
    /// its host must equal, or be a subdomain of, a domain of every
    /// authorisation the request relies on (one per resource).
    /// - Throws: the reasons of ``init(validating:)``, or `invalidArgument`
    ///   `redirect_host_not_registered`.
    static func check(_ url: String, consumer: OrganisationNumber,
                      authorisations: [ConsumerAuthorisation]) throws(DomainError) {
        let redirect = try RedirectURL(validating: url)
        for authorisation in authorisations where !authorisation.allows(host: redirect.host) {
            throw .redirectHostNotRegistered(redirect.host, consumer: consumer, resource: authorisation.resource,
                                             domains: authorisation.redirectDomains)
        }
    }

    /// A registered domain as the hub keeps it: trimmed and lowercase.
    /// - Throws: `invalidArgument` `redirect_domain_invalid` when it is not a host name.
    static func registeredDomain(_ raw: String) throws(DomainError) -> String {
        let domain = raw.trimmingASCIIWhitespace().lowercased()
        guard isHostName(domain) else { throw .redirectDomainInvalid(raw) }
        return domain
    }

    /// The URL the user's browser goes back to after an answer: the consumer's
    /// `RedirectUrl`, then `?` (or `&` if it already has a query, nothing if it
    /// ends in one), then, in this order:
    /// - accepted: `RequestId=<id>&Status=OK&AuthorizationCode=<code>`
    ///   (the code left out when `code` is `nil`)
    /// - rejected: `RequestId=<id>&Status=Failed&ErrorMessage=<percent-encoded text>`
    static func answer(to base: String, request: RequestID, accepted: Bool, code: String?, rejectionMessage: String) -> String {
        let separator: String
        if base.hasSuffix("?") || base.hasSuffix("&") {
            separator = ""
        } else {
            separator = base.contains("?") ? "&" : "?"
        }
        var url = base + separator + "RequestId=" + request.description
        if accepted {
            url += "&Status=OK"
            if let code { url += "&AuthorizationCode=" + PercentEncoding.encode(code) }
        } else {
            url += "&Status=Failed&ErrorMessage=" + PercentEncoding.encode(rejectionMessage)
        }
        return url
    }
}

extension ConsumerAuthorisation {
    /// Whether `host` (lowercase) is a registered domain or a subdomain of one.
    public func allows(host: String) -> Bool {
        redirectDomains.contains { domain in
            host == domain || host.hasSuffix("." + domain)
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
