import ConsentProto

/// `vendor …`: which system vendors may act for this consumer, for which
/// resources (RegistryService.AuthoriseVendor and friends; Altinn 3's
/// `handledBy`). The vendor itself then uses its own profile, whose
/// `acting-for` names the consumer.
enum VendorCommands {
    typealias Registry = Consent_V1_RegistryService

    static let all: [Command] = [
        Command(
            name: "vendor authorise",
            summary: "let a system vendor act for this consumer (RegistryService.AuthoriseVendor; consumer, admin)",
            usage: "vendor authorise VENDOR_ORGNO --name NAME --resource ID [--resource ID …] [--consumer ORGNO]",
            details: """
                the vendor's certificate (role vendor, naming this consumer with --acting-for or its profile's
                acting-for) may then create, poll and delete requests, end consents, exchange codes, get tokens
                and log uses for this consumer, on requests whose every resource is named here. Tokens it gets
                say handledBy. Registering again replaces the name and resources.

                example:
                  consentctl --profile consumer vendor authorise 913456785 --name "BANKSYSTEMER AS" --resource 5252_1
                """,
            options: [
                .value("name", "NAME", "the vendor's name (for your and the operator's lists)"),
                .value("resource", "ID", "a resource the vendor may handle", repeatable: true),
                .value("consumer", "ORGNO", "admin only: the consumer whose vendor it is"),
            ],
            run: { invocation throws(CLIError) in
                let authorisation = Consent_V1_VendorAuthorisation(
                    consumerOrgNumber: invocation.arguments["consumer"] ?? "",
                    vendorOrgNumber: try invocation.arguments.positional(0, "VENDOR_ORGNO"),
                    vendorName: try invocation.arguments.required("name"),
                    resourceIds: invocation.arguments.all("resource"))
                guard !authorisation.resourceIds.isEmpty else { throw .usage("--resource is required (at least one)") }
                let response = try invocation.call(Registry.authoriseVendor, Consent_V1_AuthoriseVendorRequest(authorisation: authorisation))
                invocation.output.emit(response) { r in "authorised " + (r.authorisation.map(line) ?? "") }
            }
        ),
        Command(
            name: "vendor deauthorise",
            summary: "stop a system vendor from acting for this consumer (RegistryService.DeauthoriseVendor; consumer, admin)",
            usage: "vendor deauthorise VENDOR_ORGNO [--consumer ORGNO]",
            details: """
                at once: the vendor's next call for this consumer is refused (vendor_not_authorised). Requests and
                consents it handled stay yours.

                example:
                  consentctl --profile consumer vendor deauthorise 913456785
                """,
            options: [.value("consumer", "ORGNO", "admin only: the consumer whose vendor it is")],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_DeauthoriseVendorRequest(
                    consumerOrgNumber: invocation.arguments["consumer"] ?? "",
                    vendorOrgNumber: try invocation.arguments.positional(0, "VENDOR_ORGNO"))
                let response = try invocation.call(Registry.deauthoriseVendor, request)
                invocation.output.emit(response) { r in "vendor \(r.vendorOrgNumber) may no longer act for \(r.consumerOrgNumber)" }
            }
        ),
        Command(
            name: "vendor list",
            summary: "list the vendors that may act for this consumer (RegistryService.ListVendors; consumer, admin)",
            usage: "vendor list",
            details: """
                one line per vendor: consumer, vendor, name, resources. An admin sees every consumer's.

                example:
                  consentctl --profile consumer vendor list
                """,
            run: { invocation throws(CLIError) in
                let response = try invocation.call(Registry.listVendors, Consent_V1_ListVendorsRequest())
                invocation.output.emit(response) { r in
                    r.authorisations.isEmpty ? "no vendors" : r.authorisations.map(line).joined(separator: "\n")
                }
            }
        ),
    ]

    static func line(_ a: Consent_V1_VendorAuthorisation) -> String {
        "consumer \(a.consumerOrgNumber)  vendor \(a.vendorOrgNumber) (\(a.vendorName))  resources \(a.resourceIds.joined(separator: ", "))"
    }
}
