import ConsentCore
import ConsentProto
import ConsentRPC

/// The events feed (Altinn 3's consent events) for consumers, data sources and admins.
extension ConsentService {
    /// The page size when the caller asks for none.
    static let defaultPageSize = 100

    /// ListEvents: one page after a cursor, oldest first.
    static func listEvents(_ request: Consent_V1_ListEventsRequest, _ context: CallContext,
                           ledger: ConsentLedger) throws(RPCError) -> Reply<Consent_V1_ListEventsResponse> {
        let actor = try context.actor(as: organisationRoles)
        let kinds = try ProtoField.eventKinds(request.types, field: "types")
        let from = try ProtoField.optionalTime(request.fromMs, field: "from_ms")
        let to = try ProtoField.optionalTime(request.toMs, field: "to_ms")
        // The domain caps the page at its maximum (1,000 by default).
        let limit = request.limit == 0 ? defaultPageSize : Int(request.limit)
        let (page, sequence) = try ledger.read { state throws(DomainError) in
            try state.events(after: request.after, for: actor, kinds: kinds, from: from, to: to, limit: limit)
        }
        return Reply(Consent_V1_ListEventsResponse(events: page.entries.map(Consent_V1_ConsentEvent.init),
                                                   nextCursor: page.nextCursor, reachedEnd: page.reachedEnd),
                     durableAfter: sequence)
    }

    /// WatchEvents: checks the call as ListEvents would, then hands it to the feed,
    /// which sends the backlog and then each new event once it is durable.
    static func watchEvents(_ request: Consent_V1_WatchEventsRequest, _ context: CallContext,
                            _ stream: ServerStream<Consent_V1_WatchEventsResponse>,
                            ledger: ConsentLedger, feed: ConsentEventFeed) {
        do throws(RPCError) {
            let (actor, role) = try context.actorWithRole(as: organisationRoles)
            let kinds = try ProtoField.eventKinds(request.types, field: "types")
            // A refusal (say, of an actor the feed is not for) comes now, as the
            // call's status, rather than in the middle of the stream.
            _ = try ledger.read { state throws(DomainError) in
                try state.events(after: request.after, for: actor, kinds: kinds, limit: 1)
            }
            feed.subscribe(actor: actor, principal: (context.principal.id, role), kinds: kinds, after: request.after, stream: stream)
        } catch {
            stream.fail(error)
        }
    }
}
