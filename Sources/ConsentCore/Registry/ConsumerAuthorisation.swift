/// A data source's permission for a consumer to ask for consent to one resource,
/// with the domains the consumer may redirect to: one entry of seed 004's
/// rettighetsregister ("NAV trenger da følgende informasjon fra konsument:
/// virksomhetsnummer og retur domene").
public struct ConsumerAuthorisation: Hashable, Sendable {
    /// The resource.
    public var resource: ResourceID
    /// The consumer (datakonsument).
    public var consumer: OrganisationNumber
    /// The consumer's name, shown to the user (seed 004: "På samtykkesiden er det
    /// navnet som er knyttet til organisasjonsnummeret som presenteres").
    public var consumerName: String
    /// Hosts the consumer may redirect to: a `RedirectUrl` host must equal one or
    /// be a subdomain of one (Requests/RedirectURL.swift). Lowercase, no scheme, no port.
    public var redirectDomains: [String]

    /// Creates an authorisation.
    public init(resource: ResourceID, consumer: OrganisationNumber, consumerName: String, redirectDomains: [String]) {
        self.resource = resource
        self.consumer = consumer
        self.consumerName = consumerName
        self.redirectDomains = redirectDomains
    }
    // The domain match, `allows(host:)`, lives with the rest of the redirect
    // rule in Requests/RedirectURL.swift.
}
