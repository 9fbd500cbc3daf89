extension ConsentState {
    /// Registers a consent template or a new version of it (issue 12, point 4).
    /// The data source registers its own; an admin, any data source's.
    /// Registering what is in force again records nothing.
    func decideRegisterTemplate(_ given: ConsentTemplate, actor: Actor, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        switch actor {
        case .admin: break
        case .dataSource(let org):
            guard org == given.owner else { throw .templateNotOwn(org, owner: given.owner, id: given.id) }
        default:
            throw .roleNotAllowed(actor, action: "register consent templates")
        }
        try TemplateRules.validate(given)
        var template = given
        if let versions = tables.templates[given.id], let current = versions.last {
            guard current.owner == given.owner else { throw .templateOwnedByOther(given.id, owner: current.owner) }
            if current.sameContent(as: given) { return .template(current) }
            guard versions.count < TemplateRules.maximumVersions else {
                throw .tooManyTemplateVersions(given.id, maximum: TemplateRules.maximumVersions)
            }
            template.version = UInt32(versions.count + 1)
        } else {
            guard tables.templateCount(of: given.owner) < TemplateRules.maximumTemplatesPerOwner else {
                throw .tooManyTemplates(given.owner, maximum: TemplateRules.maximumTemplatesPerOwner)
            }
            template.version = 1
        }
        out.add(.templateRegistered(template))
        return .template(template)
    }

    /// A resource may name only a template its own data source has registered.
    func checkTemplateReference(_ resource: Resource) throws(DomainError) {
        guard let id = resource.consentTemplate else { return }
        guard TemplateRules.isTemplateID(id) else { throw .templateIDInvalid(id) }
        guard tables.templates[id]?.last?.owner == resource.owner else { throw .templateUnknown(id, owner: resource.owner) }
    }

    /// The templates an actor may read: a data source its own, an admin every
    /// one or one data source's (`owner`: the whole list has no paging, so an
    /// admin keeps each answer within a frame by listing per data source);
    /// the version in force of each, ordered by id.
    /// - Throws: `permissionDenied` for other roles, and for a data source
    ///   naming another data source as `owner`.
    public func templates(visibleTo actor: Actor, owner filter: OrganisationNumber? = nil) throws(DomainError) -> [ConsentTemplate] {
        let owner: OrganisationNumber?
        switch actor {
        case .admin: owner = filter
        case .dataSource(let org):
            if let filter, filter != org { throw .templatesNotOwn(org, owner: filter) }
            owner = org
        default: throw .roleNotAllowed(actor, action: "read consent templates")
        }
        return tables.templates.keys.sorted().compactMap { id in
            guard let current = tables.templates[id]?.last, owner == nil || current.owner == owner else { return nil }
            return current
        }
    }

    /// The template (at the version it pinned) a request's page uses, if any.
    func pinnedTemplate(_ id: RequestID) -> ConsentTemplate? {
        guard let pin = tables.requestTemplates[id], let versions = tables.templates[pin.id],
              pin.version >= 1, Int(pin.version) <= versions.count else { return nil }
        return versions[Int(pin.version) - 1]
    }
}

extension Tables {
    /// How many templates a data source owns.
    func templateCount(of owner: OrganisationNumber) -> Int {
        templates.values.reduce(0) { $0 + ($1.last?.owner == owner ? 1 : 0) }
    }

    /// The template version in force for a new request: that of the first of
    /// its resources (in request order) that names a template, but only when
    /// every resource of the request belongs to that template's owner. A
    /// data source's words (and its samtykke or fullmakt) never cover
    /// another data source's data: a request mixing data sources gets the
    /// hub's own words, whatever order the consumer put the resources in.
    func templatePin(for grants: [ResourceGrant]) -> TemplatePin? {
        let resources = grants.map { resource($0.resource, version: $0.version) }
        guard let id = resources.lazy.compactMap({ $0?.consentTemplate }).first,
              let current = templates[id]?.last,
              resources.allSatisfy({ $0?.owner == current.owner }) else { return nil }
        return TemplatePin(id: id, version: current.version)
    }
}
