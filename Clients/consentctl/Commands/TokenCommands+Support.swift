import ConsentClient
import ConsentProto
import ConsentRPC
import Foundation

/// Calls, refusals, input and formatting shared by the token commands.
extension TokenCommands {
    /// The trailer with the hub's stable reason for a refusal.
    static let reasonKey = "x-consent-reason"

    /// One unary call; a refusal names its reason, and a refused token gets a
    /// hint about tokens (not about the client certificate, which is fine).
    static func call<Req, Res>(_ invocation: Invocation, _ method: ProtoMethod<Req, Res>, _ request: Req) throws(CLIError) -> Res {
        let (client, close) = try invocation.openTransport()
        defer { close() }
        do throws(RPCError) {
            return try client.unaryBlocking(method, request, options: invocation.callOptions)
        } catch {
            throw refusal(error, server: invocation.settings.server)
        }
    }

    static func refusal(_ error: RPCError, server: String) -> CLIError {
        guard let reason = error.trailers[reasonKey] else { return CLIError(error, server: server) }
        let hint: String? = switch reason {
        case "token_expired": "tokens live minutes: the consumer gets a new one with `consentctl issue-token CONSENT_ID`"
        case "token_key_unknown": "the token was signed by a key this hub no longer (or never) published: `consentctl keys` lists them"
        case "token_signature_invalid", "token_malformed": "pass the token exactly as issued (quote it in the shell)"
        case _ where reason.hasPrefix("token_"): "the token does not prove a consent: ask the consumer for a token this hub issued"
        case "code_already_used", "code_expired", "code_unknown": "get a token for the consent by id instead: `consentctl issue-token CONSENT_ID`"
        case "not_yours", "code_not_yours": "the consent is another consumer's, or includes none of this data source's resources"
        case "vendor_not_authorised": "the consumer must register this vendor for every resource of the consent: `consentctl vendor authorise`"
        case "daily_use_limit_reached": "the consent allows no more uses of this resource today (Norwegian time); it does again tomorrow"
        default: nil
        }
        guard let hint else {
            // The generic hint, with the reason beside the status name.
            var generic = CLIError(error, server: server)
            if let range = generic.message.range(of: "\(error.code.name): ") {
                generic.message.replaceSubrange(range, with: "\(error.code.name) (\(reason)): ")
            }
            return generic
        }
        return CLIError(.refused(error.code), "\(error.code.name) (\(reason)): \(error.message)\n  hint: \(hint)")
    }

    /// A grant as the first line the token, then what it is for.
    static func describe(_ grant: Consent_V1_TokenGrant?) -> String {
        guard let g = grant else { return "no token in the answer" }
        var lines = [
            g.token,
            "consent   \(g.consentId)" + (g.oneTime ? " (one-time: ends at its first logged use)" : "") + ", valid to \(TimeText.format(g.consentValidToMs))",
            "expires   \(TimeText.format(g.expiresAtMs))",
            "token id  \(g.tokenId), key \(g.keyId)",
        ]
        if !g.handledByOrgNumber.isEmpty { lines.append("handled by \(g.handledByOrgNumber) (the vendor it was issued to)") }
        return lines.joined(separator: "\n")
    }

    /// A batch item's refusal: status name, reason and message.
    static func describe(_ status: Consent_V1_TokenItemStatus?) -> String {
        guard let s = status else { return "no status in the answer" }
        return StatusCode(rawValue: s.code).name + (s.reason.isEmpty ? "" : " (\(s.reason))") + ": " + s.message
    }

    /// The first positional argument, or standard input's first line for `-`
    /// (so a token need not appear in the shell's history).
    static func argumentOrStandardInput(_ invocation: Invocation, _ name: String) throws(CLIError) -> String {
        let value = try invocation.arguments.positional(0, name)
        guard value == "-" else { return value }
        guard let line = invocation.readLine()?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw .usage("no \(name) on standard input")
        }
        return line
    }

    /// Non-empty lines of a file (or standard input for `-`), trimmed; `#` starts a comment line.
    static func readLines(_ path: String, _ invocation: Invocation) throws(CLIError) -> [String] {
        var text = ""
        if path == "-" {
            while let line = invocation.readLine() { text += line + "\n" }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { throw .local("cannot read \(path)") }
            text = String(decoding: data, as: UTF8.self)
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
