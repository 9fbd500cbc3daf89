import ConsentClient
import ConsentProto
import ConsentRPC
import Foundation
import Synchronization

/// `request …`, `consent …`, `events …`: the consent flow (ConsentService).
/// The consumer creates and polls requests; the portal (with the end user in
/// its profile: user-id, assurance-level, user-name) shows, answers, lists,
/// reads the log and withdraws; consumers, data sources and admins read the feed.
enum ConsentCommands {
    typealias Service = Consent_V1_ConsentService

    static let all: [Command] = requestCommands + consentCommands + consumerConsentCommands + statisticsCommands + eventCommands

    // MARK: request …

    static let requestCommands: [Command] = [
        Command(
            name: "request create",
            summary: "ask a user for consent (ConsentService.CreateRequest; consumer)",
            usage: "request create --resource ID [--meta [ID:]KEY=VALUE …] --redirect URL --valid-to TIME --purpose TEXT [options]",
            details: """
                creates a consent request from this consumer and prints it; give the id to the portal.
                --meta takes RESOURCE:KEY=VALUE (or KEY=VALUE when there is one resource).
                --valid-to takes an ISO 8601 time (2027-01-01T00:00:00Z), a date (2027-01-01, midnight UTC),
                or a time from now (+365d, +12h).

                example:
                  consentctl --profile consumer request create --resource 5252_1 \\
                      --meta 5252_1:fraOgMed=01.01.2024 --meta 5252_1:tilOgMed=31.12.2024 \\
                      --redirect https://banken.example/cb --valid-to +365d --offered-by 15038512363 \\
                      --purpose "Behandle søknaden din om uføreforsikring"
                """,
            options: [
                .value("resource", "ID", "a resource to ask for, e.g. 5252_1", repeatable: true),
                .value("meta", "[ID:]KEY=VALUE", "a metadata value of a resource, e.g. 5252_1:fraOgMed=01.01.2024", repeatable: true),
                .value("redirect", "URL", "where the user is sent back to (https, on a registered domain)"),
                .value("valid-to", "TIME", "when the consent ends: ISO 8601, a date, or +Nd / +Nh from now"),
                .value("purpose", "TEXT", "what the data will be used for (DelegationContext)"),
                .value("offered-by", "ID", "whose consent: an 11-digit national id or a 9-digit org number (default: whoever logs in)"),
                .value("language", "LANG", "language of the consent page: en, nb-NO or nn-NO"),
                .value("user-token", "HEX", "hex SHA-256 of the expected user's national id (UserToken)"),
                .value("idempotency-key", "KEY", "makes a retry return the same request"),
                .value("uses-per-day", "N", "uses per Norwegian day the consent allows, per resource (Berlin Group frequencyPerDay)"),
                .value("required-delegator", "ID", "the one person (11-digit national id) who may answer for the organisation in --offered-by"),
                .value("purpose-nb", "TEXT", "the purpose in Bokmål, shown to a person reading the page in Bokmål"),
                .value("purpose-nn", "TEXT", "the purpose in Nynorsk"),
                .value("purpose-en", "TEXT", "the purpose in English"),
            ],
            run: createRequest
        ),
        Command(
            name: "request from-query",
            summary: "ask for consent with an Altinn 2 query string (ConsentService.CreateRequestFromQuery; consumer)",
            usage: "request from-query QUERY [--idempotency-key KEY]",
            details: """
                QUERY is the query string of seed 004's Altinn 2 consent URL (with or without '?'), or a whole URL.

                example:
                  consentctl --profile consumer request from-query \\
                      'Resources=5252_1&CoveredBy=910203045&RedirectUrl=https://banken.example/cb&ValidToDate=2027-01-01 12:00:00&DelegationContext=Forsikring&ResponseType=code&5252_1_fraOgMed=01.01.2024&5252_1_tilOgMed=31.12.2024'
                """,
            options: [.value("idempotency-key", "KEY", "makes a retry return the same request")],
            run: { invocation throws(CLIError) in
                let query = try invocation.arguments.positional(0, "QUERY (the Altinn 2 query string)")
                let request = Consent_V1_CreateRequestFromQueryRequest(query: query, idempotencyKey: invocation.arguments["idempotency-key"] ?? "")
                let response = try invocation.call(Service.createRequestFromQuery, request)
                invocation.output.emit(response) { r in r.request.map(describe) ?? "" }
            }
        ),
        Command(
            name: "request show",
            summary: "show the consent page of a request to the logged-in user (ConsentService.GetRequest; portal)",
            usage: "request show REQUEST_ID [--lang LANG]",
            details: """
                renders the page the user answers: who gets access, to which data, for what, for how long.

                example:
                  consentctl --profile portal request show 3f2504e0-4f89-41d3-9a0c-0305e82c3301 --lang en
                """,
            options: [.value("lang", "LANG", "en, nb-NO or nn-NO (default: the request's language, else nb-NO)")],
            run: { invocation throws(CLIError) in
                let id = try invocation.arguments.positional(0, "REQUEST_ID")
                let response = try invocation.call(Service.getRequest, Consent_V1_GetRequestRequest(requestId: id, language: invocation.arguments["lang"] ?? ""))
                invocation.output.emit(response) { r in r.page.map(render) ?? "" }
            }
        ),
        Command(
            name: "request accept",
            summary: "accept a request as the logged-in user (ConsentService.AcceptRequest; portal)",
            usage: "request accept REQUEST_ID [--on-behalf-of ORGNO] [--language LANG]",
            details: """
                prints the redirect that sends the user back to the consumer with RequestId, Status=OK and
                a one-time AuthorizationCode (exchange it with TokenService.ExchangeCode within minutes).

                example:
                  consentctl --profile portal request accept 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            options: [.value("on-behalf-of", "ORGNO", "accept an open request for an organisation the user signs for"),
                      .value("language", "LANG", "the language the user read the page in (en, nb-NO, nn-NO), recorded with the answer")],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_AcceptRequestRequest(
                    requestId: try invocation.arguments.positional(0, "REQUEST_ID"), onBehalfOf: invocation.arguments["on-behalf-of"] ?? "",
                    language: invocation.arguments["language"] ?? "")
                let response = try invocation.call(Service.acceptRequest, request)
                invocation.output.emit(response) { r in answerText(r, verb: "accepted") }
            }
        ),
        Command(
            name: "request reject",
            summary: "reject a request as the logged-in user (ConsentService.RejectRequest; portal)",
            usage: "request reject REQUEST_ID [--on-behalf-of ORGNO] [--language LANG]",
            details: """
                prints the redirect that sends the user back with Status=Failed and ErrorMessage.

                example:
                  consentctl --profile portal request reject 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            options: [.value("on-behalf-of", "ORGNO", "reject an open request for an organisation the user signs for"),
                      .value("language", "LANG", "the language the user read the page in (en, nb-NO, nn-NO), recorded with the answer")],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_RejectRequestRequest(
                    requestId: try invocation.arguments.positional(0, "REQUEST_ID"), onBehalfOf: invocation.arguments["on-behalf-of"] ?? "",
                    language: invocation.arguments["language"] ?? "")
                let response = try invocation.call(Service.rejectRequest, request)
                invocation.output.emit(response) { r in answerText(r, verb: "rejected") }
            }
        ),
        Command(
            name: "request delete",
            summary: "delete a request nobody has answered yet (ConsentService.DeleteRequest; consumer)",
            usage: "request delete REQUEST_ID",
            details: """
                Altinn 3's deleted status: the request leaves the person's list and can never be accepted;
                the feed shows REQUEST_DELETED. An accepted request is a consent: end it with `consent end`.

                example:
                  consentctl --profile consumer request delete 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            run: { invocation throws(CLIError) in
                let id = try invocation.arguments.positional(0, "REQUEST_ID")
                let response = try invocation.call(Service.deleteRequest, Consent_V1_DeleteRequestRequest(requestId: id))
                invocation.output.emit(response) { r in "deleted: \(id) is now \(statusName(r.request?.status ?? .unspecified))" }
            }
        ),
        Command(
            name: "request list",
            summary: "list this consumer's own requests and consents (ConsentService.ListRequests; consumer)",
            usage: "request list [--status STATUS …] [--resource ID] [--from TIME] [--to TIME] [--after N] [--limit N]",
            details: """
                oldest first, one line each; continue with --after set to the printed next cursor.
                STATUS: \(statusNames.joined(separator: ", ")) (the status now).
                TIME (creation time): ISO 8601, a date, or -Nd / -Nh before now.

                example:
                  consentctl --profile consumer request list --status accepted --resource 5252_1 --from -30d
                """,
            options: [
                .value("status", "STATUS", "only requests with this status now", repeatable: true),
                .value("resource", "ID", "only requests that include this resource"),
                .value("from", "TIME", "only requests created at or after this time"),
                .value("to", "TIME", "only requests created before this time"),
                .value("after", "N", "read after this cursor (default 0)"),
                .value("limit", "N", "at most this many requests, 1 to 1000 (default 100)"),
            ],
            run: listRequests
        ),
        Command(
            name: "request status",
            summary: "poll a request's status (ConsentService.GetRequestStatus; consumer, data source, admin)",
            usage: "request status REQUEST_ID",
            details: """
                seed 002 step 5: the consumer checks the status whether or not the redirect arrived.

                example:
                  consentctl --profile consumer request status 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            run: { invocation throws(CLIError) in
                let id = try invocation.arguments.positional(0, "REQUEST_ID")
                let response = try invocation.call(Service.getRequestStatus, Consent_V1_GetRequestStatusRequest(requestId: id))
                invocation.output.emit(response) { r in r.request.map(describe) ?? "" }
            }
        ),
    ]

    // MARK: consent …

    static let consentCommands: [Command] = [
        Command(
            name: "consent list",
            summary: "list the logged-in user's consents (ConsentService.ListConsents; portal)",
            usage: "consent list [--lang LANG] [--party ORGNO]",
            details: """
                active, withdrawn, expired, used and declined consents and pending requests, newest first.

                example:
                  consentctl --profile portal consent list --lang en
                """,
            options: [
                .value("lang", "LANG", "en, nb-NO or nn-NO (default nb-NO)"),
                .value("party", "ORGNO", "an organisation the user signs for, instead of the user"),
            ],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_ListConsentsRequest(language: invocation.arguments["lang"] ?? "", party: invocation.arguments["party"] ?? "")
                let response = try invocation.call(Service.listConsents, request)
                invocation.output.emit(response) { r in
                    r.consents.isEmpty ? "no consents" : r.consents.map(summaryLine).joined(separator: "\n")
                }
            }
        ),
        Command(
            name: "consent log",
            summary: "read the Samtykkelogg of one consent, or of all the user's (ConsentService.GetConsentLog; portal, admin)",
            usage: "consent log [CONSENT_ID] [--lang LANG] [--party ORGNO]",
            details: """
                seed 002's log: given, used, withdrawn, expired, declined, oldest first.

                example:
                  consentctl --profile portal consent log 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            options: [
                .value("lang", "LANG", "en, nb-NO or nn-NO (default nb-NO)"),
                .value("party", "ORGNO", "without an id: an organisation the user signs for, instead of the user"),
            ],
            run: { invocation throws(CLIError) in
                let request = Consent_V1_GetConsentLogRequest(
                    consentId: invocation.arguments.positionals.first ?? "", language: invocation.arguments["lang"] ?? "",
                    party: invocation.arguments["party"] ?? "")
                let response = try invocation.call(Service.getConsentLog, request)
                invocation.output.emit(response) { r in
                    r.lines.isEmpty ? "no entries" : r.lines.map { "\($0.date)  \($0.title)  \($0.text)" }.joined(separator: "\n")
                }
            }
        ),
        Command(
            name: "consent revoke",
            summary: "withdraw a consent (ConsentService.RevokeConsent; portal, admin)",
            usage: "consent revoke CONSENT_ID",
            details: """
                the consumer can no longer get tokens for it; its feed shows CONSENT_REVOKED at once.
                A one-time consent (engangssamtykke) cannot be withdrawn.

                example:
                  consentctl --profile portal consent revoke 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            run: { invocation throws(CLIError) in
                let id = try invocation.arguments.positional(0, "CONSENT_ID")
                let response = try invocation.call(Service.revokeConsent, Consent_V1_RevokeConsentRequest(consentId: id))
                invocation.output.emit(response) { r in "withdrawn: \(id) is now \(statusName(r.consent?.status ?? .unspecified))" }
            }
        ),
    ]

    // MARK: consent end (the consumer's side of RevokeConsent)

    static let consumerConsentCommands: [Command] = [
        Command(
            name: "consent end",
            summary: "end a consent this consumer no longer needs (ConsentService.RevokeConsent; consumer)",
            usage: "consent end CONSENT_ID",
            details: """
                the consent ends at once: no more tokens, VerifyToken refuses it (consent_revoked), the feed shows
                CONSENT_REVOKED by the consumer, and the person's Samtykkelogg says the consumer ended it
                ("Samtykke avsluttet"). Ending it again prints it as it is.

                example:
                  consentctl --profile consumer consent end 3f2504e0-4f89-41d3-9a0c-0305e82c3301
                """,
            run: { invocation throws(CLIError) in
                let id = try invocation.arguments.positional(0, "CONSENT_ID")
                let response = try invocation.call(Service.revokeConsent, Consent_V1_RevokeConsentRequest(consentId: id))
                invocation.output.emit(response) { r in "ended: \(id) is now \(statusName(r.consent?.status ?? .unspecified))" }
            }
        ),
    ]

    // MARK: statistics and counts

    static let statisticsCommands: [Command] = [
        Command(
            name: "consent statistics",
            summary: "consents given, rejected, withdrawn, ended and used per resource and day or month (ConsentService.GetStatistics; data source, admin)",
            usage: "consent statistics [--resource ID] [--from TIME] [--to TIME] [--by day|month]",
            details: """
                counts only, from the events: no person, consumer or request is named. A data source sees its own
                resources, an admin all. Days and months are Norwegian; TIME as for events list.

                example:
                  consentctl --profile datasource consent statistics --by month
                """,
            options: [
                .value("resource", "ID", "one resource only"),
                .value("from", "TIME", "from this date on"),
                .value("to", "TIME", "before this date"),
                .value("by", "PERIOD", "day (default) or month"),
            ],
            run: { invocation throws(CLIError) in
                let args = invocation.arguments
                var request = Consent_V1_GetStatisticsRequest(resourceId: args["resource"] ?? "")
                switch args["by"]?.lowercased() {
                case nil, "day": request.period = .day
                case "month": request.period = .month
                case let other?: throw .usage("--by must be day or month, not '\(other)'")
                }
                if let from = args["from"] { request.fromMs = try TimeText.parse(from, what: "--from") }
                if let to = args["to"] { request.toMs = try TimeText.parse(to, what: "--to") }
                let response = try invocation.call(Service.getStatistics, request)
                invocation.output.emit(response) { r in
                    guard !r.rows.isEmpty else { return "no consents counted" }
                    let header = "resource  period      given  rejected  withdrawn  ended  used"
                    return ([header] + r.rows.map { row in
                        [row.resourceId.padding(toLength: 8, withPad: " ", startingAt: 0), row.period.padding(toLength: 10, withPad: " ", startingAt: 0),
                         String(format: "%5d", row.given), String(format: "%8d", row.rejected), String(format: "%9d", row.withdrawn),
                         String(format: "%5d", row.ended), String(format: "%5d", row.used)].joined(separator: "  ")
                    }).joined(separator: "\n")
                }
            }
        ),
        Command(
            name: "consent count",
            summary: "count the logged-in user's consents per state (ConsentService.CountConsents; portal)",
            usage: "consent count [--party ORGNO]",
            details: """
                the portal's summary: how many requests and consents are waiting, active, declined, withdrawn,
                expired and used; deleted requests are not counted.

                example:
                  consentctl --profile portal consent count
                """,
            options: [.value("party", "ORGNO", "an organisation the user signs for, instead of the user")],
            run: { invocation throws(CLIError) in
                let response = try invocation.call(Service.countConsents, Consent_V1_CountConsentsRequest(party: invocation.arguments["party"] ?? ""))
                invocation.output.emit(response) { r in
                    (r.counts.map { "\(statusName($0.status).padding(toLength: 9, withPad: " ", startingAt: 0))  \($0.count)" }
                        + ["(of the revoked, ended by the consumer: \(r.endedByConsumer))"]).joined(separator: "\n")
                }
            }
        ),
    ]

    // MARK: events …

    static let eventCommands: [Command] = [
        Command(
            name: "events list",
            summary: "read one page of the events feed (ConsentService.ListEvents; consumer, data source, admin)",
            usage: "events list [--after N] [--type TYPE …] [--from TIME] [--to TIME] [--limit N]",
            details: """
                oldest first; continue with --after set to the printed next cursor.
                TYPE: \(typeNames.joined(separator: ", ")).
                TIME: ISO 8601, a date, or -Nd / -Nh before now.

                example:
                  consentctl --profile consumer events list --after 0 --type request-accepted --type consent-revoked
                """,
            options: [
                .value("after", "N", "read the events after this sequence number (default 0)"),
                .value("type", "TYPE", "only this event type", repeatable: true),
                .value("from", "TIME", "only events at or after this time"),
                .value("to", "TIME", "only events before this time"),
                .value("limit", "N", "at most this many events, 1 to 1000 (default 100)"),
            ],
            run: { invocation throws(CLIError) in
                var request = Consent_V1_ListEventsRequest(
                    after: try cursor(invocation), types: try eventTypes(invocation),
                    limit: UInt32(try invocation.arguments.int("limit", default: 0, range: 0...1000)))
                if let from = invocation.arguments["from"] { request.fromMs = try TimeText.parse(from, what: "--from") }
                if let to = invocation.arguments["to"] { request.toMs = try TimeText.parse(to, what: "--to") }
                let response = try invocation.call(Service.listEvents, request)
                invocation.output.emit(response) { r in
                    (r.events.map(eventLine) + ["next cursor \(r.nextCursor)" + (r.reachedEnd ? " (end of the feed for now)" : " (more: --after \(r.nextCursor))")])
                        .joined(separator: "\n")
                }
            }
        ),
        Command(
            name: "events watch",
            summary: "follow the events feed live (ConsentService.WatchEvents; consumer, data source, admin)",
            usage: "events watch [--after N] [--type TYPE …] [--for SECONDS]",
            details: """
                prints the events after the cursor, then each new one as it happens, until Ctrl-C (or --for).
                With --json, one JSON object per line per message. To resume, pass the last cursor as --after.
                TYPE: \(typeNames.joined(separator: ", ")).

                example:
                  consentctl --profile consumer events watch --after 120 --type consent-revoked
                """,
            options: [
                .value("after", "N", "start after this sequence number (default 0)"),
                .value("type", "TYPE", "only this event type", repeatable: true),
                .value("for", "SECONDS", "stop after this long (default: until Ctrl-C)"),
            ],
            run: watch
        ),
    ]

    // MARK: Runs

    static func createRequest(_ invocation: Invocation) throws(CLIError) {
        let args = invocation.arguments
        let resources = args.all("resource")
        guard !resources.isEmpty else { throw .usage("--resource is required (e.g. --resource 5252_1)") }
        var asked = resources.map { Consent_V1_RequestedResource(resourceId: $0) }
        for item in args.all("meta") {
            guard let eq = item.firstIndex(of: "=") else { throw .usage("--meta takes [RESOURCE:]KEY=VALUE, not '\(item)'") }
            var key = String(item[..<eq])
            let value = String(item[item.index(after: eq)...])
            var resource = resources.count == 1 ? resources[0] : ""
            if let colon = key.firstIndex(of: ":") {
                resource = String(key[..<colon])
                key = String(key[key.index(after: colon)...])
            }
            guard let index = asked.firstIndex(where: { $0.resourceId == resource }) else {
                throw .usage(resource.isEmpty
                    ? "--meta \(item): name the resource (RESOURCE:KEY=VALUE) when asking for several"
                    : "--meta \(item): resource \(resource) is not among the --resource options")
            }
            asked[index].metadata.append(.init(key: key, value: value))
        }
        var request = Consent_V1_CreateRequestRequest(
            resources: asked, offeredBy: args["offered-by"] ?? "", redirectUrl: try args.required("redirect"),
            validToMs: try TimeText.parse(try args.required("valid-to"), what: "--valid-to"), language: args["language"] ?? "",
            purpose: try args.required("purpose"), userToken: args["user-token"] ?? "", idempotencyKey: args["idempotency-key"] ?? "",
            usesPerDay: UInt32(try args.int("uses-per-day", default: 0, range: 0...10_000)),
            requiredDelegator: args["required-delegator"] ?? "")
        if args["purpose-nb"] != nil || args["purpose-nn"] != nil || args["purpose-en"] != nil {
            request.purposeTexts = Consent_V1_PurposeTexts(nbNo: args["purpose-nb"] ?? "", nnNo: args["purpose-nn"] ?? "", en: args["purpose-en"] ?? "")
        }
        let response = try invocation.call(Service.createRequest, request)
        invocation.output.emit(response) { r in r.request.map(describe) ?? "" }
    }

    static func listRequests(_ invocation: Invocation) throws(CLIError) {
        let args = invocation.arguments
        var request = Consent_V1_ListRequestsRequest(
            after: try cursor(invocation), statuses: try statuses(invocation), resourceId: args["resource"] ?? "",
            limit: UInt32(try args.int("limit", default: 0, range: 0...1000)))
        if let from = args["from"] { request.createdFromMs = try TimeText.parse(from, what: "--from") }
        if let to = args["to"] { request.createdToMs = try TimeText.parse(to, what: "--to") }
        let response = try invocation.call(Service.listRequests, request)
        invocation.output.emit(response) { r in
            (r.requests.map(requestLine) + ["next cursor \(r.nextCursor)" + (r.reachedEnd ? " (end of the list for now)" : " (more: --after \(r.nextCursor))")])
                .joined(separator: "\n")
        }
    }

    static func watch(_ invocation: Invocation) throws(CLIError) {
        var duration: Double? = nil
        if let text = invocation.arguments["for"] {
            guard let seconds = Double(text), seconds > 0 else { throw .usage("--for must be a positive number of seconds, not '\(text)'") }
            duration = seconds
        }
        let request = Consent_V1_WatchEventsRequest(after: try cursor(invocation), types: try eventTypes(invocation))
        let (client, close) = try invocation.openTransport()
        defer { close() }
        // A stream has no answer to wait for: the deadline is --for, not --timeout.
        var options = invocation.callOptions
        options.timeout = duration.map { .milliseconds(Int64($0 * 1000)) }
        let json = invocation.output.json
        let output = invocation.output
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, RPCError>>(.success(()))
        client.serverStream(Service.watchEvents, request, options: options, onMessage: { message in
            // Each message as it comes (the tool's standard output writes at once: a pipe sees each event).
            var lines: [String] = []
            if json {
                lines.append(compactJSON(ProtoJSON.value(message)))
            } else {
                lines += message.events.map(eventLine)
                if message.caughtUp && message.events.isEmpty { lines.append("— caught up at \(message.nextCursor); waiting for new events (Ctrl-C stops) —") }
            }
            guard !lines.isEmpty else { return }
            output.write(lines.joined(separator: "\n"))
        }, completion: { result in
            outcome.withLock { $0 = result }
            done.signal()
        })
        done.wait()
        if case .failure(let error) = outcome.withLock({ $0 }) {
            // --for elapsed: the watch ran as long as asked.
            if duration != nil && error.code == .deadlineExceeded { return }
            throw CLIError(error, server: invocation.settings.server)
        }
    }

    // MARK: Parsing

    static func cursor(_ invocation: Invocation) throws(CLIError) -> UInt64 {
        guard let text = invocation.arguments["after"] else { return 0 }
        guard let n = UInt64(text) else { throw .usage("--after must be a sequence number (0 or more), not '\(text)'") }
        return n
    }

    /// Status names as the options take them: `created`, `accepted`, `used-up`, …
    static let statusNames: [String] = Consent_V1_ConsentRequestStatus.allCases.dropFirst().map {
        $0.protoName.dropFirst("CONSENT_REQUEST_STATUS_".count).lowercased().replacingOccurrences(of: "_", with: "-")
    }

    static func statuses(_ invocation: Invocation) throws(CLIError) -> [Consent_V1_ConsentRequestStatus] {
        var out: [Consent_V1_ConsentRequestStatus] = []
        for name in invocation.arguments.all("status") {
            let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
            guard let index = statusNames.firstIndex(of: key) else {
                throw .usage("--status \(name) is not a request status; use one of \(statusNames.joined(separator: ", "))")
            }
            out.append(Consent_V1_ConsentRequestStatus.allCases[index + 1])
        }
        return out
    }

    /// Event type names as the options take them: `request-created`, …
    static let typeNames: [String] = Consent_V1_ConsentEventType.allCases.dropFirst().map {
        $0.protoName.dropFirst("CONSENT_EVENT_TYPE_".count).lowercased().replacingOccurrences(of: "_", with: "-")
    }

    static func eventTypes(_ invocation: Invocation) throws(CLIError) -> [Consent_V1_ConsentEventType] {
        var types: [Consent_V1_ConsentEventType] = []
        for name in invocation.arguments.all("type") {
            var key = name.lowercased().replacingOccurrences(of: "_", with: "-")
            if key.hasPrefix("consent-event-type-") { key = String(key.dropFirst("consent-event-type-".count)) }
            guard let index = typeNames.firstIndex(of: key) else {
                throw .usage("--type \(name) is not an event type; use one of \(typeNames.joined(separator: ", "))")
            }
            types.append(Consent_V1_ConsentEventType.allCases[index + 1])
        }
        return types
    }

    // MARK: Human output

    static func statusName(_ status: Consent_V1_ConsentRequestStatus) -> String {
        String(status.protoName.dropFirst("CONSENT_REQUEST_STATUS_".count)).lowercased().replacingOccurrences(of: "_", with: " ")
    }

    static func describe(_ r: Consent_V1_ConsentRequest) -> String {
        var lines = [
            "request     \(r.id)",
            "status      \(statusName(r.status))\(r.oneTime ? " (one-time consent)" : "")",
            "consumer    \(r.consumerOrgNumber)",
            "offered by  \(r.offeredBy.isEmpty ? "whoever logs in" : r.offeredBy)",
        ]
        for resource in r.resources {
            let metadata = resource.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append("resource    \(resource.resourceId) (version \(resource.version))" + (metadata.isEmpty ? "" : "  \(metadata)")
                + (resource.usesPerDay == 0 ? "" : "  at most \(resource.usesPerDay) uses per day"))
        }
        lines += [
            "purpose     \(r.purpose)",
            "redirect    \(r.redirectUrl)",
            "created     \(TimeText.format(r.createdAtMs))",
            "answer by   \(TimeText.format(r.answerByMs))",
            "valid to    \(TimeText.format(r.validToMs))",
        ]
        if r.decidedAtMs != 0 { lines.append("answered    \(TimeText.format(r.decidedAtMs))") }
        if r.endedAtMs != 0 { lines.append("ended       \(TimeText.format(r.endedAtMs))") }
        if !r.handledByOrgNumber.isEmpty { lines.append("handled by  \(r.handledByOrgNumber) (vendor)") }
        if !r.requiredDelegator.isEmpty { lines.append("answered by \(r.requiredDelegator) only (required delegator)") }
        if !r.answerAuthority.isEmpty { lines.append("authority   \(r.answerAuthority.joined(separator: ", "))") }
        if let texts = r.purposeTexts {
            for (code, text) in [("nb-NO", texts.nbNo), ("nn-NO", texts.nnNo), ("en", texts.en)] where !text.isEmpty {
                lines.append("purpose \(code)".padding(toLength: 12, withPad: " ", startingAt: 0) + text)
            }
        }
        if !r.answerLanguage.isEmpty { lines.append("answered in \(r.answerLanguage)") }
        if !r.viewUrl.isEmpty { lines.append("answer at   \(r.viewUrl)") }
        return lines.joined(separator: "\n")
    }

    /// One request per line, for `request list`.
    static func requestLine(_ r: Consent_V1_ConsentRequest) -> String {
        let resources = r.resources.map(\.resourceId).joined(separator: ",")
        var parts = [r.id, statusName(r.status), resources, "created \(TimeText.format(r.createdAtMs))"]
        if r.endedAtMs != 0 { parts.append("ended \(TimeText.format(r.endedAtMs))") } else { parts.append("valid to \(TimeText.format(r.validToMs))") }
        return parts.joined(separator: "  ")
    }

    /// The consent page as text, in the order the portal shows it.
    static func render(_ p: Consent_V1_ConsentPage) -> String {
        var lines = [p.heading, p.intro, "", p.purposeHeading, p.purpose, "", p.resourcesHeading]
        for r in p.resources {
            lines.append("• \(r.title) (\(r.dataSourceName))")
            lines.append(contentsOf: r.text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 })
        }
        lines += ["", p.validity, p.voluntaryNote, "", "[\(p.acceptLabel)]   [\(p.rejectLabel)]", ""]
        lines.append("(request \(p.requestId), \(statusName(p.status)); accepting needs login level \(p.requiredAssuranceLevel))")
        return lines.joined(separator: "\n")
    }

    static func answerText(_ r: Consent_V1_AnswerResponse, verb: String) -> String {
        let id = r.request?.id ?? ""
        let repeated = r.alreadyAnswered ? " (already answered: nothing changed, no new code)" : ""
        return "\(verb) \(id)\(repeated); send the user to:\n\(r.redirectUrl)"
    }

    static func summaryLine(_ c: Consent_V1_ConsentSummary) -> String {
        let titles = c.resourceTitles.joined(separator: "; ")
        return "\(c.id)  \(c.statusText)  \(c.consumerName)  \(titles)  (\(c.oneTime ? "one-time, " : "")until \(c.validToText)\(c.canRevoke ? ", can be withdrawn" : ""))"
    }

    static func eventLine(_ e: Consent_V1_ConsentEvent) -> String {
        var parts = ["#\(e.sequence)", TimeText.format(e.timeMs), String(e.type.protoName.dropFirst("CONSENT_EVENT_TYPE_".count))]
        if !e.requestId.isEmpty { parts.append("request \(e.requestId)") }
        if !e.resourceId.isEmpty { parts.append("resource \(e.resourceId)") }
        if !e.consumerOrgNumber.isEmpty { parts.append("consumer \(e.consumerOrgNumber)") }
        let by = String(e.performedBy.protoName.dropFirst("PERFORMER_ROLE_".count)).lowercased().replacingOccurrences(of: "_", with: " ")
        parts.append("by \(by)" + (e.performedByOrgNumber.isEmpty ? "" : " \(e.performedByOrgNumber)"))
        return parts.joined(separator: "  ")
    }

    static func compactJSON(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8) else { return "null" }
        return text
    }
}
