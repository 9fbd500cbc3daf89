import ConsentCore
import ConsentRPC

extension CallContext {
    /// The domain actor this call acts as: the first of `roles` (in order) that
    /// the principal has. The router has already checked that it has one.
    ///
    /// - `consumer`, `datasource`, `admin`: the organisation of the client
    ///   certificate (its principal id must be a valid organisation number).
    /// - `portal`: the end user the portal states in the call metadata
    ///   (`PortalMetadata`); believed only from a principal with that role.
    /// - `vendor`: the organisation of the certificate, acting for the
    ///   consumer it names in `x-consent-acting-for` (`VendorMetadata`);
    ///   whether it may is the domain's rule (`vendor_not_authorised`).
    /// - Throws: `PERMISSION_DENIED` when the principal id is not an organisation
    ///   number; for the portal, `UNAUTHENTICATED` when no user is stated and
    ///   `INVALID_ARGUMENT` naming the metadata key that is malformed or repeated.
    func actor(as roles: [Role]) throws(RPCError) -> Actor {
        try actorWithRole(as: roles).actor
    }

    /// `actor(as:)`, and the role it acts in (a WatchEvents stream is checked
    /// against it again when the principals are reloaded).
    func actorWithRole(as roles: [Role]) throws(RPCError) -> (actor: Actor, role: Role) {
        // A principal that is also a vendor acts as one when it names a consumer.
        if roles.contains(.vendor), principal.has(.vendor), metadata[VendorMetadata.actingFor] != nil {
            return (try actor(in: .vendor), .vendor)
        }
        guard let role = roles.first(where: { principal.has($0) }) else {
            // The router refuses such calls before the handler runs; this keeps the handler honest.
            throw RPCError(.permissionDenied, "\(principal.name) (\(principal.id)) has none of the roles \(roles.map(\.rawValue).joined(separator: ", "))",
                           trailers: [DomainErrorMapping.reasonKey: "role_not_allowed"])
        }
        return (try actor(in: role), role)
    }

    private func actor(in role: Role) throws(RPCError) -> Actor {
        switch role {
        case .consumer: return .consumer(try organisation(for: role))
        case .datasource: return .dataSource(try organisation(for: role))
        case .admin: return .admin(try organisation(for: role))
        case .portal: return .endUser(try endUser())
        case .vendor: return .vendor(try organisation(for: role), for: try actingFor())
        }
    }

    /// The consumer a vendor names in `x-consent-acting-for`.
    /// - Throws: INVALID_ARGUMENT `acting_for_missing` when it is absent,
    ///   `metadata_repeated` when it is given twice (as for the portal's
    ///   keys: no first-one-wins for whose name a call acts in), or naming the
    ///   key when it is not an organisation number.
    func actingFor() throws(RPCError) -> OrganisationNumber {
        let count = metadata.occurrences(of: VendorMetadata.actingFor)
        guard count <= 1 else {
            throw ProtoField.invalid(VendorMetadata.actingFor, reason: "metadata_repeated",
                                     "is given \(count) times; a vendor acts for one consumer per call")
        }
        guard let text = metadata[VendorMetadata.actingFor], !text.isEmpty else {
            throw ProtoField.invalid(VendorMetadata.actingFor, reason: "acting_for_missing",
                                     "is required from a vendor: the 9-digit organisation number of the consumer it acts for")
        }
        return try ProtoField.parse(VendorMetadata.actingFor) { () throws(DomainError) in
            try OrganisationNumber(validating: text.trimmingWhitespace())
        }
    }

    /// The caller's organisation number, from its certificate principal.
    /// - Throws: `PERMISSION_DENIED` (reason `principal_not_organisation`) when
    ///   the principal id is not a valid organisation number.
    func organisation(for role: Role) throws(RPCError) -> OrganisationNumber {
        do throws(DomainError) {
            return try OrganisationNumber(validating: principal.id)
        } catch {
            throw RPCError(
                .permissionDenied,
                "principal '\(principal.id)' has role \(role.rawValue), which acts for an organisation, but is not a valid organisation number (\(error.message)); its certificate's serialNumber must be the 9-digit organisation number",
                trailers: [DomainErrorMapping.reasonKey: "principal_not_organisation"])
        }
    }

    /// The logged-in end user as the portal states them.
    ///
    /// A missing user id means nobody is logged in (`UNAUTHENTICATED`); anything
    /// present but malformed is the portal's mistake (`INVALID_ARGUMENT`).
    func endUser() throws(RPCError) -> EndUser {
        for key in PortalMetadata.identityKeys {
            let count = metadata.occurrences(of: key)
            guard count <= 1 else {
                throw ProtoField.invalid(key, reason: "metadata_repeated",
                                         "is given \(count) times; the portal states one user, and each of their attributes once")
            }
        }
        guard let idText = metadata[PortalMetadata.userID], !idText.isEmpty else {
            throw RPCError(
                .unauthenticated,
                "no end user is logged in: the portal must state the user's national id in the metadata key \(PortalMetadata.userID)",
                trailers: [DomainErrorMapping.reasonKey: "end_user_missing"])
        }
        let id = try ProtoField.parse(PortalMetadata.userID) { () throws(DomainError) in
            try NationalIdentityNumber(validating: idText)
        }
        guard let levelText = metadata[PortalMetadata.assuranceLevel], !levelText.isEmpty else {
            throw ProtoField.invalid(PortalMetadata.assuranceLevel, reason: "assurance_level_missing",
                                     "is required: the ID-porten level the user logged in with (3 or 4)")
        }
        guard let levelNumber = Int(levelText) else {
            throw ProtoField.invalid(PortalMetadata.assuranceLevel, reason: "assurance_level_invalid",
                                     "must be a number from 1 to 4 (ID-porten: 3 substantial, 4 high), not '\(levelText.prefix(10))'")
        }
        let level = try ProtoField.parse(PortalMetadata.assuranceLevel) { () throws(DomainError) in
            try AssuranceLevel(validating: levelNumber)
        }
        var name: String? = nil
        if let text = metadata[PortalMetadata.userName] {
            let trimmed = text.trimmingWhitespace()
            guard trimmed.limitLength <= Self.maximumUserNameLength else {
                throw ProtoField.invalid(PortalMetadata.userName, reason: "user_name_too_long",
                                         "is at most \(Self.maximumUserNameLength) characters; \(trimmed.limitLength) were given")
            }
            name = trimmed.isEmpty ? nil : trimmed
        }
        var signsFor: [OrganisationNumber] = []
        if let list = metadata[PortalMetadata.signsFor] {
            for item in list.split(separator: ",") {
                let org = item.trimmingWhitespace()
                if org.isEmpty { continue }
                signsFor.append(try ProtoField.parse(PortalMetadata.signsFor) { () throws(DomainError) in
                    try OrganisationNumber(validating: org)
                })
            }
        }
        let roles = try organisationRoles()
        return EndUser(nationalId: id, assuranceLevel: level, maySignFor: signsFor, name: name, organisationRoles: roles)
    }

    /// `x-consent-user-org-roles`: `910000001=DAGL,SIGN;912345678=LEDE`
    /// (spaces around the parts allowed, empty parts skipped).
    /// - Throws: `INVALID_ARGUMENT` naming the key: `org_roles_malformed` for
    ///   the shape, a repeated organisation or too many entries; the domain's
    ///   reason for a bad organisation number or role code.
    func organisationRoles() throws(RPCError) -> [OrganisationNumber: [RoleCode]] {
        let key = PortalMetadata.organisationRoles
        guard let text = metadata[key] else { return [:] }
        var roles: [OrganisationNumber: [RoleCode]] = [:]
        for entry in text.split(separator: ";") {
            let trimmed = entry.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw ProtoField.invalid(key, reason: "org_roles_malformed",
                                         "each entry is an organisation number, '=' and its role codes separated by commas, e.g. 910000001=DAGL,SIGN; entries separated by ';'")
            }
            let org = try ProtoField.parse(key) { () throws(DomainError) in try OrganisationNumber(validating: parts[0].trimmingWhitespace()) }
            guard roles[org] == nil else {
                throw ProtoField.invalid(key, reason: "org_roles_malformed", "names organisation \(org) twice; give all its roles in one entry")
            }
            var codes: [RoleCode] = []
            for code in parts[1].split(separator: ",") {
                let c = code.trimmingWhitespace()
                if c.isEmpty { continue }
                codes.append(try ProtoField.parse(key) { () throws(DomainError) in try RoleCode(validating: c) })
            }
            guard !codes.isEmpty, codes.count <= PortalMetadata.maximumRolesPerOrganisation else {
                throw ProtoField.invalid(key, reason: "org_roles_malformed",
                                         "names 1 to \(PortalMetadata.maximumRolesPerOrganisation) roles per organisation; \(codes.count) for \(org)")
            }
            roles[org] = codes
            guard roles.count <= PortalMetadata.maximumRoleOrganisations else {
                throw ProtoField.invalid(key, reason: "org_roles_malformed",
                                         "names at most \(PortalMetadata.maximumRoleOrganisations) organisations")
            }
        }
        return roles
    }

    /// The longest user name the portal may state (the domain's limit for names).
    static let maximumUserNameLength = 200
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
