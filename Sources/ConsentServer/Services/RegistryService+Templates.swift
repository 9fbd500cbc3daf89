import ConsentCore
import ConsentProto
import ConsentRPC

/// The data sources' consent templates (issue 12, point 4; Altinn 3's
/// consent templates): their own words for the consent page and the
/// Samtykkelogg, and whether the page asks for a consent or a fullmakt.
extension RegistryService {
    /// Who registers and reads templates: the data source (its own) and the admin (any).
    static let templateRoles: [Role] = [.datasource, .admin]

    static func registerTemplateMethods(into router: inout RouterBuilder, ledger: ConsentLedger, clock: some WallClock & Sendable) {
        router.unary(Consent_V1_RegistryService.registerTemplate, roles: Set(templateRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: templateRoles)
            guard let message = request.consentTemplate else {
                throw ProtoField.missing("consent_template", "the template's id, kind, heading and intro")
            }
            let template = try message.template(field: "consent_template", caller: actor)
            let (result, sequence) = try ledger.run(.registerTemplate(template), by: actor, at: clock.now())
            guard case .template(let stored) = result else { throw ConsentLedger.unexpected(result, for: "RegisterTemplate") }
            return Reply(Consent_V1_RegisterTemplateResponse(consentTemplate: .init(stored)), durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.listTemplates, roles: Set(templateRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: templateRoles)
            let owner = try ProtoField.optionalOrganisation(request.ownerOrgNumber, field: "owner_org_number")
            let (list, sequence) = try ledger.read { state throws(DomainError) in try state.templates(visibleTo: actor, owner: owner) }
            return Reply(Consent_V1_ListTemplatesResponse(templates: list.map(Consent_V1_ConsentTemplate.init)), durableAfter: sequence)
        }
    }
}

extension Consent_V1_ConsentTemplate {
    /// The wire form of a template version.
    init(_ t: ConsentTemplate) {
        self.init(templateId: t.id, ownerOrgNumber: t.owner.description, version: t.version,
                  kind: t.kind == .powerOfAttorney ? .powerOfAttorney : .consent,
                  heading: Consent_V1_LocalizedText(t.heading), intro: Consent_V1_LocalizedText(t.intro),
                  expiry: Consent_V1_LocalizedText(t.expiry), log: Consent_V1_LocalizedText(t.log))
    }

    /// The domain template this message describes: an empty owner is the
    /// calling data source; an admin must name one. The version is ignored
    /// (the hub assigns it).
    /// - Throws: `INVALID_ARGUMENT` naming a malformed field; the domain checks the texts.
    func template(field: String, caller: Actor) throws(RPCError) -> ConsentTemplate {
        let owner: OrganisationNumber
        if let given = try ProtoField.optionalOrganisation(ownerOrgNumber, field: "\(field).owner_org_number") {
            owner = given
        } else if case .dataSource(let org) = caller {
            owner = org
        } else {
            throw ProtoField.missing("\(field).owner_org_number", "the data source whose template it is, when an admin registers it")
        }
        let kind: TemplateKind
        switch self.kind {
        case .consent: kind = .consent
        case .powerOfAttorney: kind = .powerOfAttorney
        case .unspecified, .unrecognized:
            throw ProtoField.invalid("\(field).kind", reason: "template_kind_unknown",
                                     "must be TEMPLATE_KIND_CONSENT or TEMPLATE_KIND_POWER_OF_ATTORNEY, not \(self.kind.protoName)")
        }
        return ConsentTemplate(id: templateId, owner: owner, kind: kind,
                               heading: (heading ?? .init()).localized, intro: (intro ?? .init()).localized,
                               expiry: (expiry ?? .init()).localized, log: (log ?? .init()).localized)
    }
}
