/// Who performs a command, as established by the server (mutual TLS for
/// organisations, the trusted portal for end users). Every event records its actor.
///
/// The server checks roles before calling ConsentCore; ConsentCore checks
/// ownership: a consumer sees only its own requests, a data source only its
/// own resources and the requests that include them, an end user only requests
/// offered to them and their own consents, an admin everything.
public enum Actor: Hashable, Sendable, CustomStringConvertible {
    /// A data consumer (datakonsument), e.g. a bank, by organisation number.
    case consumer(OrganisationNumber)
    /// A data source / service owner (datakilde / tjenesteeier), e.g. NAV.
    case dataSource(OrganisationNumber)
    /// A person logged in through the portal (sluttbruker).
    case endUser(EndUser)
    /// An operator of the hub.
    case admin(OrganisationNumber)
    /// The citizen portal as an organisation, submitting an Altinn-2 query for
    /// the consumer the query names in `CoveredBy` (seed 003's redirect flow:
    /// the consumer sends the user's browser to the portal with the query),
    /// while `user` is logged in. The request is the consumer's, decided under
    /// exactly the consumer's rules, and it can only ask `user` (or an
    /// organisation they may sign for); the event records the portal and the user.
    case portal(OrganisationNumber, user: EndUser)
    /// A system vendor (systemleverandør) acting for a consumer that has
    /// registered it (`authoriseVendor`): `vendor` is the organisation of the
    /// certificate, `consumer` the one it names in the call. Like the portal,
    /// an organisation acting for another; what it may do for which consumer
    /// is decided in one place (`ConsentState+Acting.swift`). Tokens and events
    /// name both (Altinn 3's `handledBy`); the person only ever sees the consumer.
    case vendor(OrganisationNumber, for: OrganisationNumber)
    /// The hub itself, for expiry and similar housekeeping.
    case system

    /// The actor's role in one word; safe for logs.
    public var role: String {
        switch self {
        case .consumer: return "consumer"
        case .dataSource: return "dataSource"
        case .endUser: return "endUser"
        case .admin: return "admin"
        case .portal: return "portal"
        case .vendor: return "vendor"
        case .system: return "system"
        }
    }

    /// The organisation number of an organisation actor, `nil` for end users and the system.
    public var organisation: OrganisationNumber? {
        switch self {
        case .consumer(let org), .dataSource(let org), .admin(let org), .portal(let org, _), .vendor(let org, _): return org
        case .endUser, .system: return nil
        }
    }

    /// Safe for logs: an end user's id is masked.
    public var description: String {
        switch self {
        case .endUser(let user): return "endUser(\(user.nationalId), \(user.assuranceLevel))"
        case .portal(let org, let user): return "portal(\(org), for endUser(\(user.nationalId)))"
        case .system: return "system"
        case .vendor(let vendor, let consumer): return "vendor(\(vendor) for \(consumer))"
        default: return "\(role)(\(organisation!))"
        }
    }
}

/// A logged-in person, as the portal states them.
public struct EndUser: Hashable, Sendable {
    /// The person's national identity number.
    public var nationalId: NationalIdentityNumber
    /// The security level of the login.
    public var assuranceLevel: AssuranceLevel
    /// Organisations the person may sign for (from the portal's role lookup);
    /// the person may accept requests offered by these organisations.
    public var maySignFor: [OrganisationNumber]
    /// The person's name for display (seed 002: "fikk samtykke fra HÅKON TRANA").
    public var name: String?
    /// The roles the person holds in organisations they may act for, as the
    /// portal looked them up (`x-consent-user-org-roles`): what a resource's
    /// ``Resource/organisationAuthority`` is checked against. An organisation
    /// named here is one the person may act for, like those in ``maySignFor``.
    /// Each list sorted, without repeats, when made by the initialiser.
    public var organisationRoles: [OrganisationNumber: [RoleCode]]

    /// Creates an end user.
    public init(nationalId: NationalIdentityNumber, assuranceLevel: AssuranceLevel,
                maySignFor: [OrganisationNumber] = [], name: String? = nil,
                organisationRoles: [OrganisationNumber: [RoleCode]] = [:]) {
        self.nationalId = nationalId
        self.assuranceLevel = assuranceLevel
        self.maySignFor = maySignFor
        self.name = name
        self.organisationRoles = organisationRoles.mapValues { Array(Set($0)).sorted() }
    }

    /// Whether the person may act for a party: themselves, or an organisation
    /// they may sign for or hold roles in.
    public func mayActFor(_ party: PartyID) -> Bool {
        switch party {
        case .person(let id): return id == nationalId
        case .organisation(let org): return maySignFor.contains(org) || organisationRoles[org] != nil
        }
    }

    /// The roles the person holds in an organisation, sorted (none stated: empty).
    public func roles(in org: OrganisationNumber) -> [RoleCode] {
        organisationRoles[org].map { Array(Set($0)).sorted() } ?? []
    }
}
