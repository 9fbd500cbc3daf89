import ConsentClient
import ConsentProto
import ConsentRPC

extension Invocation {
    /// Connects with the resolved settings.
    /// - Throws: `CLIError` (usage when a TLS file is not named, connection when the server cannot be reached).
    func connect() throws(CLIError) -> ConsentClient {
        try settings.requireTLSFiles()
        guard let colon = settings.server.lastIndex(of: ":"), let port = Int(settings.server[settings.server.index(after: colon)...]) else {
            throw .usage("--server must be HOST:PORT, not '\(settings.server)'")
        }
        let host = String(settings.server[..<colon]).trimmingCharacters(in: ["[", "]"])
        do throws(RPCError) {
            return try ConsentClient(configuration: .init(
                host: host, port: port, caFile: settings.ca, certificateFile: settings.cert, keyFile: settings.key,
                connectTimeout: .milliseconds(Int64(settings.timeout * 1000))))
        } catch {
            if error.code == .invalidArgument { throw .local(error.message) }
            throw CLIError(error, server: settings.server)
        }
    }

    /// The call options every command sends: the deadline, and the portal's
    /// statement of the end user when settings carry one.
    var callOptions: CallOptions {
        var metadata = Metadata()
        if let v = settings.userID { metadata.add(PortalMetadata.userID, v) }
        if let v = settings.assuranceLevel { metadata.add(PortalMetadata.assuranceLevel, v) }
        if let v = settings.userName { metadata.add(PortalMetadata.userName, v) }
        if let v = settings.signsFor { metadata.add(PortalMetadata.signsFor, v) }
        return CallOptions(timeout: .milliseconds(Int64(settings.timeout * 1000)), metadata: metadata)
    }

    /// Connects, makes one unary call, closes, and maps failures to exit codes.
    func call<Req, Res>(_ method: ProtoMethod<Req, Res>, _ request: Req) throws(CLIError) -> Res {
        let client = try connect()
        defer { client.close() }
        do throws(RPCError) {
            return try client.unaryBlocking(method, request, options: callOptions)
        } catch {
            throw CLIError(error, server: settings.server)
        }
    }
}
