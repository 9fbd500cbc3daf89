/// Refusals of vendors acting for consumers, and of the consumers' vendor register.
extension DomainError {
    static func vendorNotAuthorised(_ vendor: OrganisationNumber, consumer: OrganisationNumber, resource: ResourceID?) -> DomainError {
        if let resource {
            return DomainError(.permissionDenied, reason: "vendor_not_authorised",
                               message: "Organisation \(vendor) may act for consumer \(consumer), but not for resource \(resource); the consumer decides which resources its vendors handle (AuthoriseVendor).")
        }
        return DomainError(.permissionDenied, reason: "vendor_not_authorised",
                           message: "Organisation \(vendor) may not act for consumer \(consumer): the consumer has not registered it as a vendor (AuthoriseVendor), or has removed it.")
    }

    static func vendorConsumerNotCaller(_ consumer: OrganisationNumber, caller: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "consumer_not_caller",
                    message: "Organisation \(caller) may register vendors only for itself, not for consumer \(consumer).")
    }

    static func vendorIsConsumer(_ org: OrganisationNumber) -> DomainError {
        DomainError(.invalidArgument, reason: "vendor_is_consumer",
                    message: "Organisation \(org) is the consumer itself; a consumer needs no registration to act for itself.")
    }
}
