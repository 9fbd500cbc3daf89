/// A consumer's permission for a system vendor (systemleverandør) to act for
/// it, for some resources: the vendor's certificate may then create, poll and
/// delete requests, end consents, exchange codes, get tokens and log uses for
/// that consumer, within those resources, and never for another consumer
/// (Altinn 3's `handledBy`; Maskinporten's supplier acting for a consumer).
public struct VendorAuthorisation: Hashable, Sendable {
    /// The consumer (datakonsument) the vendor acts for.
    public var consumer: OrganisationNumber
    /// The vendor's organisation number (its certificate's).
    public var vendor: OrganisationNumber
    /// The vendor's name, for the consumer's and the operator's lists (never shown to the person).
    public var vendorName: String
    /// The resources the vendor may handle: a request or consent is the
    /// vendor's to handle only when every one of its resources is here.
    /// Sorted and without repeats once stored.
    public var resources: [ResourceID]

    /// Creates an authorisation.
    public init(consumer: OrganisationNumber, vendor: OrganisationNumber, vendorName: String, resources: [ResourceID]) {
        self.consumer = consumer
        self.vendor = vendor
        self.vendorName = vendorName
        self.resources = resources
    }

    /// Whether the vendor may handle a request or consent with these resources.
    public func covers(_ grants: [ResourceGrant]) -> Bool {
        grants.allSatisfy { resources.contains($0.resource) }
    }
}
