import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentToken
import Foundation

/// `exchange`, `issue-token`, `verify`, `log-use`, `keys`, `decode`: the
/// token flow (TokenService) from a shell, in the order a bank and a data
/// source meet it: code → token → online check → logged use.
enum TokenCommands {
    static let all: [Command] = [exchange, issueToken, verify, logUse, keys, decode]

    static let exchange = Command(
        name: "exchange",
        summary: "exchange an authorization code for a consent token (TokenService.ExchangeCode)",
        usage: "exchange CODE | exchange --batch FILE",
        details: """
            As the consumer: CODE is the AuthorizationCode from the redirect after the user accepted. A code works
            once, for minutes; a second exchange is refused (and recorded). Prints the token on the first line,
            then its expiry and the consent it is for. CODE may be - to read it from standard input.
            --batch FILE exchanges one code per line of FILE (- for standard input) in one call
            (ExchangeCodes, at most 1,000); each line gets its own result, in order, and the exit code is 1 if any
            code was refused.

            example:
              consentctl exchange 89ZTvq-bcgJz7TXA9XNs20xdcB1Ke2EFrseD-bjF86c
              consentctl --json exchange --batch codes.txt
            """,
        options: [.value("batch", "FILE", "exchange every code in FILE (one per line) with ExchangeCodes")],
        run: runExchange
    )

    static let issueToken = Command(
        name: "issue-token",
        summary: "get a fresh token for a live consent by its id (TokenService.IssueToken)",
        usage: "issue-token CONSENT_ID",
        details: """
            As the consumer: while a consent lives, a new token for it at any time, without asking the user again
            (seed 003, "gjenbruk av samtykke"). Refused for a withdrawn, expired or used one-time consent.

            example:
              consentctl issue-token c0f3a7d2-5b1e-4c8a-9d6f-2e4b7a1c9d30
            """,
        run: { invocation throws(CLIError) in
            let id = try invocation.arguments.positional(0, "CONSENT_ID")
            let response = try call(invocation, Consent_V1_TokenService.issueToken, Consent_V1_IssueTokenRequest(consentId: id))
            invocation.output.emit(response) { describe($0.grant) }
        }
    )

    static let verify = Command(
        name: "verify",
        summary: "check a token online, as a data source (TokenService.VerifyToken)",
        usage: "verify TOKEN [--resource R] [--meta KEY=VALUE]...",
        details: """
            As a data source: the hub checks the token's signature, expiry and issuer, that the consent is still
            live (not withdrawn, expired or used up), that you are a data source of it, and, if given, that it
            covers the resource and metadata you are about to serve. Prints VALID and the token's claims, or the
            refusal and its reason. TOKEN may be - to read it from standard input.

            example:
              consentctl --profile datasource verify "$TOKEN" --resource 5252_1 --meta fraOgMed=01.03.2023
            """,
        options: [
            .value("resource", "R", "the resource you are about to serve, e.g. 5252_1"),
            .value("meta", "KEY=VALUE", "metadata of the request being served (needs --resource)", repeatable: true),
        ],
        run: runVerify
    )

    static let logUse = Command(
        name: "log-use",
        summary: "log a use of a consent (TokenService.LogUse)",
        usage: "log-use CONSENT_ID --resource R [--at TIME] | log-use --token TOKEN --resource R [--at TIME] | log-use --batch FILE",
        details: """
            As the consumer or a data source, after data was fetched (Altinn 2's logUse). The use appears in the
            user's consent log ("Samtykke benyttet"); the first use of a one-time consent ends it. TIME is when the
            data was fetched: RFC 3339 (2025-10-09T08:51:45Z, or with an offset) or milliseconds since 1970;
            default now. --token names the consent by a token instead of its id.
            --batch FILE logs one use per line of FILE (- for standard input) in one call (LogUses, at most
            1,000): `CONSENT_ID RESOURCE [TIME]`, or a token in place of CONSENT_ID (a token has dots, a consent
            id none). Each line gets its own result, in order; the exit code is 1 if any use was refused.

            example:
              consentctl --profile datasource log-use c0f3a7d2-5b1e-4c8a-9d6f-2e4b7a1c9d30 --resource 5252_1
              consentctl --profile datasource log-use --batch uses.txt
            """,
        options: [
            .value("resource", "R", "the resource whose data was fetched, e.g. 5252_1 (required without --batch)"),
            .value("at", "TIME", "when the data was fetched (default: now)"),
            .value("token", "TOKEN", "the token the data was fetched with, instead of CONSENT_ID"),
            .value("batch", "FILE", "log every use in FILE (CONSENT_ID RESOURCE [TIME] per line) with LogUses"),
        ],
        run: runLogUse
    )

    static let keys = Command(
        name: "keys",
        summary: "print the hub's token signing keys as a JWK Set (TokenService.GetSigningKeys)",
        usage: "keys",
        details: """
            Prints the JWKS a data source caches to verify tokens offline, exactly as the hub serves it, so
            `consentctl keys > jwks.json` gives a file any JOSE library reads. With --json: the keys as fields,
            with which one signs.

            example:
              consentctl --profile datasource keys > jwks.json
            """,
        run: { invocation throws(CLIError) in
            let response = try call(invocation, Consent_V1_TokenService.getSigningKeys, Consent_V1_GetSigningKeysRequest())
            invocation.output.emit(response) { $0.jwks }
        }
    )

    static let decode = Command(
        name: "decode",
        summary: "print a token's header and claims without checking it (no server needed)",
        usage: "decode TOKEN",
        details: """
            Takes a token apart for people to read: the header and the claims as indented JSON. Nothing is
            verified: use `verify` (online) or a JOSE library with the JWKS from `keys` before trusting it.
            TOKEN may be - to read it from standard input.

            example:
              consentctl decode eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLiJ9.eyJpc3MiOi...
            """,
        run: runDecode
    )

    // MARK: Commands

    static func runExchange(_ invocation: Invocation) throws(CLIError) {
        if let file = invocation.arguments["batch"] {
            guard invocation.arguments.positionals.isEmpty else { throw .usage("give CODE or --batch FILE, not both") }
            let codes = try readLines(file, invocation)
            guard !codes.isEmpty else { throw .usage("\(file) holds no codes") }
            let response = try call(invocation, Consent_V1_TokenService.exchangeCodes, Consent_V1_ExchangeCodesRequest(codes: codes))
            invocation.output.emit(response) { response in
                response.results.enumerated().map { index, result in
                    let line = "\(index + 1)  "
                    guard let grant = result.grant, (result.status?.code ?? 0) == 0 else { return line + describe(result.status) }
                    return line + "OK  consent \(grant.consentId)  expires \(TimeText.format(grant.expiresAtMs))  \(grant.token)"
                }.joined(separator: "\n")
            }
            let refused = response.results.filter { ($0.status?.code ?? 0) != 0 }
            if let first = refused.first?.status {
                throw CLIError(.refused(StatusCode(rawValue: first.code)), "\(refused.count) of \(codes.count) codes were refused")
            }
            return
        }
        let code = try argumentOrStandardInput(invocation, "CODE")
        let response = try call(invocation, Consent_V1_TokenService.exchangeCode, Consent_V1_ExchangeCodeRequest(code: code))
        invocation.output.emit(response) { describe($0.grant) }
    }

    static func runVerify(_ invocation: Invocation) throws(CLIError) {
        let token = try argumentOrStandardInput(invocation, "TOKEN")
        var request = Consent_V1_VerifyTokenRequest(token: token, resource: invocation.arguments["resource"] ?? "")
        for pair in invocation.arguments.all("meta") {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { throw .usage("--meta takes KEY=VALUE, not '\(pair)'") }
            request.metadata.append(Consent_V1_TokenMetadataValue(key: String(pair[..<eq]), value: String(pair[pair.index(after: eq)...])))
        }
        if !request.metadata.isEmpty && request.resource.isEmpty { throw .usage("--meta needs --resource") }
        let response = try call(invocation, Consent_V1_TokenService.verifyToken, request)
        invocation.output.emit(response) { response in
            guard let c = response.claims else { return response.valid ? "VALID" : "NOT VALID" }
            var lines = [
                "VALID        token for consent \(c.consentId)" + (c.oneTime ? " (one-time)" : ""),
                "from         \(c.from)",
                "to           \(c.to)",
            ]
            if !c.handledBy.isEmpty { lines.append("handled by   \(c.handledBy)") }
            for right in c.rights {
                lines.append("resource     \(right.resource)  " + right.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
            lines += [
                "consented    \(TimeText.format(c.consentedAtMs)), valid to \(TimeText.format(c.validToMs))",
                "token        id \(c.tokenId), issued \(TimeText.format(c.issuedAtMs)), expires \(TimeText.format(c.expiresAtMs))",
                "issuer       \(c.issuer), key \(c.keyId)",
            ]
            return lines.joined(separator: "\n")
        }
    }

    static func runLogUse(_ invocation: Invocation) throws(CLIError) {
        if let file = invocation.arguments["batch"] {
            try runLogUses(invocation, file: file)
            return
        }
        var request = Consent_V1_LogUseRequest(resource: try invocation.arguments.required("resource"))
        if let token = invocation.arguments["token"] {
            guard invocation.arguments.positionals.isEmpty else { throw .usage("give CONSENT_ID or --token, not both") }
            request.consent = .token(token)
        } else {
            request.consent = .consentId(try invocation.arguments.positional(0, "CONSENT_ID (or --token TOKEN)"))
        }
        if let at = invocation.arguments["at"] {
            request.usedAtMs = try TimeText.parse(at, what: "--at")
        }
        let response = try call(invocation, Consent_V1_TokenService.logUse, request)
        invocation.output.emit(response) { response in
            guard let r = response.receipt else { return "use recorded" }
            return "use of \(r.resource) recorded for consent \(r.consentId) at \(TimeText.format(r.usedAtMs))"
                + (r.consentEnded ? "\nthe one-time consent has now ended" : "")
        }
    }

    /// `log-use --batch FILE`: LogUses, one result line per use.
    static func runLogUses(_ invocation: Invocation, file: String) throws(CLIError) {
        for option in ["resource", "at", "token"] where invocation.arguments[option] != nil {
            throw .usage("--batch FILE names the consent, resource and time on each line; drop --\(option)")
        }
        guard invocation.arguments.positionals.isEmpty else { throw .usage("give CONSENT_ID or --batch FILE, not both") }
        var uses: [Consent_V1_LogUseRequest] = []
        for (number, line) in try readLines(file, invocation).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count == 2 || fields.count == 3 else {
                throw .usage("\(file), use \(number + 1): expected CONSENT_ID RESOURCE [TIME], got \(fields.count) fields")
            }
            var use = Consent_V1_LogUseRequest(resource: fields[1])
            use.consent = fields[0].contains(".") ? .token(fields[0]) : .consentId(fields[0])
            if fields.count == 3 { use.usedAtMs = try TimeText.parse(fields[2], what: "\(file), use \(number + 1): the time") }
            uses.append(use)
        }
        guard !uses.isEmpty else { throw .usage("\(file) holds no uses") }
        let response = try call(invocation, Consent_V1_TokenService.logUses, Consent_V1_LogUsesRequest(uses: uses))
        invocation.output.emit(response) { response in
            response.results.enumerated().map { index, result in
                let line = "\(index + 1)  "
                guard let r = result.receipt, (result.status?.code ?? 0) == 0 else { return line + describe(result.status) }
                return line + "OK  use of \(r.resource) recorded for consent \(r.consentId) at \(TimeText.format(r.usedAtMs))"
                    + (r.consentEnded ? "  (the one-time consent has now ended)" : "")
            }.joined(separator: "\n")
        }
        let refused = response.results.filter { ($0.status?.code ?? 0) != 0 }
        if let first = refused.first?.status {
            throw CLIError(.refused(StatusCode(rawValue: first.code)), "\(refused.count) of \(uses.count) uses were refused")
        }
    }

    static func runDecode(_ invocation: Invocation) throws(CLIError) {
        let token = try argumentOrStandardInput(invocation, "TOKEN")
        let decoded: DecodedToken
        do {
            decoded = try TokenDecoder.decode(token)
        } catch {
            throw .usage("not a token: \(error)")
        }
        func object(_ text: String) -> Any {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
        }
        invocation.output.emit(
            human: decoded.header + "\n" + decoded.claims,
            json: ["header": object(decoded.header), "claims": object(decoded.claims), "signature_bytes": decoded.signature.count, "verified": false]
        )
    }
}
