import ConsentCore
import ConsentProto
import ConsentRPC

/// `consent.v1.ConsentService`: seed 002's nine steps as RPCs — the consumer
/// creates a request and polls it, the end user (through the portal) reads,
/// accepts or rejects it, lists consents, reads the Samtykkelogg and withdraws;
/// consumers and data sources follow the events feed.
///
/// Each handler decodes its fields (`INVALID_ARGUMENT` naming the field), maps
/// the caller to a domain `Actor`, runs a command or query on the ledger and
/// answers once what it shows is durable. Roles are checked by the router;
/// ownership by ConsentCore.
public enum ConsentService {
    /// CreateRequest, DeleteRequest, ListRequests: the consumer, or a vendor acting for it.
    static let consumerRoles: [Role] = [.consumer, .vendor]
    /// CreateRequestFromQuery: the consumer itself (or its vendor), or the
    /// portal submitting the query the consumer sent the user's browser with (seed 003).
    static let queryRoles: [Role] = [.consumer, .vendor, .portal]
    /// AcceptRequest, RejectRequest, ListConsents: the end user only.
    static let portalRoles: [Role] = [.portal]
    /// GetRequest, GetConsentLog: the end user, or an operator for support.
    static let portalOrAdminRoles: [Role] = [.portal, .admin]
    /// RevokeConsent: the end user withdraws, the consumer (or its vendor)
    /// ends a consent it no longer needs, an operator withdraws for support.
    static let revokeRoles: [Role] = [.portal, .consumer, .vendor, .admin]
    /// GetRequestStatus: as ListEvents, and the vendor acting for a consumer.
    static let statusRoles: [Role] = [.consumer, .vendor, .datasource, .admin]
    /// ListEvents, WatchEvents; a principal with several roles acts in the
    /// narrowest (the order of this list).
    static let organisationRoles: [Role] = [.consumer, .datasource, .admin]

    /// Who submits an Altinn-2 query. The portal submits it only while a user
    /// is logged in (the end-user metadata is required, so nobody can create
    /// requests through the portal anonymously), and the request can then only
    /// ask that user (ConsentCore: `NewConsentRequest.bound(to:)`). The request
    /// is the consumer's; the event names the portal and the user.
    static func queryActor(_ context: CallContext) throws(RPCError) -> Actor {
        let (actor, role) = try context.actorWithRole(as: queryRoles)
        guard role == .portal, case .endUser(let user) = actor else { return actor }
        return .portal(try context.organisation(for: .portal), user: user)
    }

    /// Registers the service's methods, and the events feed that serves WatchEvents.
    /// - Parameters:
    ///   - ledger: the state and its log.
    ///   - clock: the time commands are decided and statuses computed at.
    ///   - viewURL: the portal's URL template for each request's `view_url`
    ///     (`--portal-url-template`); nil: no view URLs.
    /// - Returns: the events feed.
    /// - Important: call the feed's `close()` when shutting down, or a drain
    ///   waits for WatchEvents calls that never end on their own.
    @discardableResult
    public static func register(into router: inout RouterBuilder, ledger: ConsentLedger,
                                clock: some WallClock & Sendable, viewURL: ViewURLTemplate? = nil) -> ConsentEventFeed {
        let feed = ConsentEventFeed(ledger: ledger)
        let wire: @Sendable (RequestView) -> Consent_V1_ConsentRequest = { Consent_V1_ConsentRequest($0, viewURL: viewURL) }

        router.unary(Consent_V1_ConsentService.createRequest, roles: Set(consumerRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: consumerRoles)
            let new = try request.newRequest()
            return try created(ledger.run(.createRequest(new), by: actor, at: clock.now()), method: "CreateRequest", wire: wire)
        }
        router.unary(Consent_V1_ConsentService.createRequestFromQuery, roles: Set(queryRoles)) { request, context throws(RPCError) in
            let actor = try queryActor(context)
            guard !request.query.isEmpty else {
                throw ProtoField.missing("query", "the Altinn 2 query string, e.g. Resources=5252_1&CoveredBy=…&RedirectUrl=…")
            }
            let command = Command.createRequestFromQuery(request.query, idempotencyKey: ProtoField.optionalText(request.idempotencyKey))
            return try created(ledger.run(command, by: actor, at: clock.now()), method: "CreateRequestFromQuery", wire: wire)
        }
        router.unary(Consent_V1_ConsentService.getRequest, roles: Set(portalOrAdminRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: portalOrAdminRoles)
            let id = try ProtoField.requestID(request.requestId, field: "request_id")
            let language = try ProtoField.optionalLanguage(request.language, field: "language")
            let now = clock.now()
            let (page, sequence) = try ledger.read { state throws(DomainError) in
                try state.renderRequest(id, by: actor, language: language, at: now)
            }
            return Reply(Consent_V1_GetRequestResponse(page: .init(page)), durableAfter: sequence)
        }
        router.unary(Consent_V1_ConsentService.acceptRequest, roles: Set(portalRoles)) { request, context throws(RPCError) in
            try accept(request, context, ledger: ledger, now: clock.now(), wire: wire)
        }
        router.unary(Consent_V1_ConsentService.rejectRequest, roles: Set(portalRoles)) { request, context throws(RPCError) in
            try reject(request, context, ledger: ledger, now: clock.now(), wire: wire)
        }
        router.unary(Consent_V1_ConsentService.getRequestStatus, roles: Set(statusRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: statusRoles)
            let id = try ProtoField.requestID(request.requestId, field: "request_id")
            let now = clock.now()
            let (view, sequence) = try ledger.read { state throws(DomainError) in try state.request(id, by: actor, at: now) }
            return Reply(Consent_V1_GetRequestStatusResponse(request: wire(view)), durableAfter: sequence)
        }
        router.unary(Consent_V1_ConsentService.listConsents, roles: Set(portalRoles)) { request, context throws(RPCError) in
            try listConsents(request, context, ledger: ledger, now: clock.now())
        }
        router.unary(Consent_V1_ConsentService.getConsentLog, roles: Set(portalOrAdminRoles)) { request, context throws(RPCError) in
            try consentLog(request, context, ledger: ledger, now: clock.now())
        }
        router.unary(Consent_V1_ConsentService.revokeConsent, roles: Set(revokeRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: revokeRoles)
            let id = try ProtoField.requestID(request.consentId, field: "consent_id")
            let (result, sequence) = try ledger.run(.revokeConsent(id), by: actor, at: clock.now())
            guard case .revoked(let view) = result else { throw ConsentLedger.unexpected(result, for: "RevokeConsent") }
            return Reply(Consent_V1_RevokeConsentResponse(consent: wire(view)), durableAfter: sequence)
        }
        router.unary(Consent_V1_ConsentService.deleteRequest, roles: Set(consumerRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: consumerRoles)
            let id = try ProtoField.requestID(request.requestId, field: "request_id")
            let (result, sequence) = try ledger.run(.deleteRequest(id), by: actor, at: clock.now())
            guard case .deleted(let view) = result else { throw ConsentLedger.unexpected(result, for: "DeleteRequest") }
            return Reply(Consent_V1_DeleteRequestResponse(request: wire(view)), durableAfter: sequence)
        }
        router.unary(Consent_V1_ConsentService.listRequests, roles: Set(consumerRoles)) { request, context throws(RPCError) in
            try listRequests(request, context, ledger: ledger, now: clock.now(), wire: wire)
        }
        router.unary(Consent_V1_ConsentService.listEvents, roles: Set(organisationRoles)) { request, context throws(RPCError) in
            try listEvents(request, context, ledger: ledger)
        }
        registerStatistics(into: &router, ledger: ledger, clock: clock)
        router.serverStreaming(Consent_V1_ConsentService.watchEvents, roles: Set(organisationRoles)) { request, context, stream in
            watchEvents(request, context, stream, ledger: ledger, feed: feed)
        }
        return feed
    }

    /// The answer to both create methods.
    static func created(_ run: (result: CommandResult, durableAfter: UInt64), method: String,
                        wire: (RequestView) -> Consent_V1_ConsentRequest) throws(RPCError) -> Reply<Consent_V1_CreateRequestResponse> {
        guard case .request(let view) = run.result else { throw ConsentLedger.unexpected(run.result, for: method) }
        return Reply(Consent_V1_CreateRequestResponse(request: wire(view)), durableAfter: run.durableAfter)
    }

    /// ListRequests: one page of the consumer's own requests and consents, oldest first.
    static func listRequests(_ request: Consent_V1_ListRequestsRequest, _ context: CallContext, ledger: ConsentLedger, now: Timestamp,
                             wire: (RequestView) -> Consent_V1_ConsentRequest) throws(RPCError) -> Reply<Consent_V1_ListRequestsResponse> {
        let actor = try context.actor(as: consumerRoles)
        let filter = RequestFilter(
            statuses: try ProtoField.statuses(request.statuses, field: "statuses"),
            resource: try ProtoField.optionalResourceID(request.resourceId, field: "resource_id"),
            createdFrom: try ProtoField.optionalTime(request.createdFromMs, field: "created_from_ms"),
            createdBefore: try ProtoField.optionalTime(request.createdToMs, field: "created_to_ms"))
        // The domain caps the page at its maximum (1,000 by default).
        let limit = request.limit == 0 ? defaultPageSize : Int(request.limit)
        let (page, sequence) = try ledger.read { state throws(DomainError) in
            try state.requests(of: actor, after: request.after, filter: filter, limit: limit, at: now)
        }
        return Reply(Consent_V1_ListRequestsResponse(requests: page.requests.map(wire), nextCursor: page.nextCursor,
                                                     reachedEnd: page.reachedEnd),
                     durableAfter: sequence)
    }
}
