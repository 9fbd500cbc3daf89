/// Collects the events of one decision, numbering them as the state will.
struct EventBuffer {
    private(set) var events: [Event] = []
    private var nextSequence: UInt64
    let time: Timestamp
    let actor: Actor

    init(firstSequence: UInt64, time: Timestamp, actor: Actor) {
        self.nextSequence = firstSequence
        self.time = time
        self.actor = actor
    }

    mutating func add(_ payload: EventPayload) {
        events.append(Event(sequence: nextSequence, time: time, actor: actor, payload: payload))
        nextSequence += 1
    }
}

extension ConsentState {
    /// Validates a command against the current state and says what should happen.
    ///
    /// Pure: the state is not changed. The caller appends the decision's events
    /// durably, applies them with ``apply(_:)``, then answers the caller with the
    /// decision's result — or uses ``ConsentEngine`` to do it in one step.
    ///
    /// - Parameters:
    ///   - command: what the actor asks for.
    ///   - actor: who asks, as authenticated by the server.
    ///   - now: the current time (the time every event of the decision gets).
    ///   - random: where request ids come from.
    /// - Returns: the events and the result. A refusal that must be recorded
    ///   (a reused code) is a decision with events and a failure; batch commands
    ///   answer each item in their result.
    /// - Throws: a ``DomainError`` when the command is refused and nothing is recorded.
    public func decide<R: RandomNumberGenerator>(
        _ command: Command, by actor: Actor, at now: Timestamp, using random: inout R
    ) throws(DomainError) -> Decision {
        var out = EventBuffer(firstSequence: tables.lastSequence + 1, time: now, actor: actor)
        let result: CommandResult
        switch command {
        case .registerResource(let resource):
            result = try decideRegister(resource, actor: actor, out: &out)
        case .authoriseConsumer(let authorisation):
            result = try decideAuthorise(authorisation, actor: actor, out: &out)
        case .deauthoriseConsumer(let resource, let consumer):
            result = try decideDeauthorise(resource, consumer: consumer, actor: actor, out: &out)
        case .registerTemplate(let template):
            result = try decideRegisterTemplate(template, actor: actor, out: &out)

        case .createRequest(let request):
            let acting = try acting(actor, to: "create a consent request")
            result = try decideCreate(request, acting: acting, now: now, random: &random, out: &out)
        case .createRequestFromQuery(let query, let key):
            let submitter = try requireQuerySubmitter(actor)
            var (coveredBy, request) = try NewConsentRequest.parse(altinnQuery: query, idempotencyKey: key)
            if case .portal(_, let user) = actor { request = try request.bound(to: user) }
            result = try decideCreate(request, acting: try queryActing(coveredBy, submitter: submitter),
                                      now: now, random: &random, out: &out)

        case .acceptRequest(let id, let code, let onBehalfOf, let language):
            result = try decideAnswer(id, accept: true, code: code, onBehalfOf: onBehalfOf, language: language, actor: actor, now: now, out: &out)
        case .rejectRequest(let id, let onBehalfOf, let language):
            result = try decideAnswer(id, accept: false, code: nil, onBehalfOf: onBehalfOf, language: language, actor: actor, now: now, out: &out)
        case .revokeConsent(let id):
            result = try decideRevoke(id, actor: actor, now: now, out: &out)
        case .deleteRequest(let id):
            result = try decideDelete(id, actor: actor, now: now, out: &out)
        case .authoriseVendor(let authorisation):
            result = try decideAuthoriseVendor(authorisation, actor: actor, out: &out)
        case .deauthoriseVendor(let consumer, let vendor):
            result = try decideDeauthoriseVendor(consumer: consumer, vendor: vendor, actor: actor, out: &out)

        case .exchangeCode(let hash):
            let acting = try acting(actor, to: "exchange an authorization code")
            var exchanged = Set<CodeHash>()
            switch decideExchange(hash, acting: acting, now: now, exchangedInBatch: &exchanged, out: &out) {
            case .success(let facts):
                result = .tokenFacts(facts)
            case .failure(let error):
                // A refusal with an event (code reuse) is recorded; any other is simply thrown.
                if out.events.isEmpty { throw error }
                return Decision(events: out.events, result: .failure(error))
            }
        case .exchangeCodes(let hashes):
            let acting = try acting(actor, to: "exchange authorization codes")
            try checkBatchSize(hashes.count)
            var exchanged = Set<CodeHash>()
            var results: [Result<TokenFacts, DomainError>] = []
            results.reserveCapacity(hashes.count)
            for hash in hashes {
                results.append(decideExchange(hash, acting: acting, now: now, exchangedInBatch: &exchanged, out: &out))
            }
            result = .tokenFactsBatch(results)

        case .logUse(let report):
            var batch = UseBatch()
            result = .used(try decideUse(report, actor: actor, now: now, batch: &batch, out: &out).get())
        case .logUses(let reports):
            try requireUseRole(actor)
            try checkBatchSize(reports.count)
            var batch = UseBatch()
            var results: [Result<UseReceipt, DomainError>] = []
            results.reserveCapacity(reports.count)
            for report in reports {
                results.append(decideUse(report, actor: actor, now: now, batch: &batch, out: &out))
            }
            result = .usedBatch(results)

        case .expireDue(let limit):
            result = try decideExpiry(limit: limit, actor: actor, now: now, out: &out)
        }
        return Decision(events: out.events, result: .success(result))
    }

    // MARK: Shared checks

    func checkBatchSize(_ count: Int) throws(DomainError) {
        guard count <= configuration.maximumBatchSize else {
            throw .batchTooLarge(count, maximum: configuration.maximumBatchSize)
        }
    }

    /// The record of a request, or `notFound`.
    func requireRecord(_ id: RequestID) throws(DomainError) -> (slot: UInt32, record: RequestRecord) {
        guard let slot = tables.slotByID.slot(of: id, in: tables.records) else { throw .requestUnknown(id) }
        return (slot, tables.records[Int(slot)])
    }
}
