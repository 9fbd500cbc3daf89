import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentTransport

extension ConnectionSettings {
    /// `server` split into host and port (`[::1]:7443` works too); the
    /// first node when `server` lists several.
    /// - Throws: `CLIError.usage` when it is not HOST:PORT.
    public func hostAndPort() throws(CLIError) -> (host: String, port: Int) {
        try nodes()[0]
    }

    /// Every node `server` names: `HOST:PORT`, or several separated by
    /// commas for a hub that runs as nodes sharing one PostgreSQL database
    /// (the client then finds the active one and follows the standbys' hint).
    /// - Throws: `CLIError.usage` when one is not HOST:PORT.
    public func nodes() throws(CLIError) -> [(host: String, port: Int)] {
        var nodes: [(host: String, port: Int)] = []
        for item in server.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                throw .usage("--server must be HOST:PORT (or several, separated by commas), not '\(server)'")
            }
            let host = String(text[..<colon]).trimmingCharacters(in: ["[", "]"])
            guard !host.isEmpty else { throw .usage("--server must be HOST:PORT (or several, separated by commas), not '\(server)'") }
            nodes.append((host, port))
        }
        return nodes
    }

    /// Connects with these settings.
    /// - Parameter eventLoop: run the connection on this loop (many
    ///   connections on a few threads, as consent-load does); nil: a thread of its own.
    /// - Throws: `CLIError`: usage when a TLS file is not named or `server` is
    ///   malformed, local when a TLS file cannot be loaded, connection when
    ///   the server cannot be reached or the handshake fails (with a hint).
    public func connect(eventLoop: EventLoop? = nil) throws(CLIError) -> ConsentClient {
        try requireTLSFiles()
        let nodes = try nodes()
        let (host, port) = nodes[0]
        let others = nodes.dropFirst().map { $0.host.contains(":") ? "[\($0.host)]:\($0.port)" : "\($0.host):\($0.port)" }
        do throws(RPCError) {
            return try ConsentClient(configuration: .init(
                host: host, port: port, caFile: ca, certificateFile: cert, keyFile: key,
                connectTimeout: .milliseconds(Int64(timeout * 1000)), eventLoop: eventLoop, otherNodes: others))
        } catch {
            // ConsentClient reports unreadable TLS files as INVALID_ARGUMENT.
            if error.code == .invalidArgument { throw .local("\(error.message) (ca \(ca), cert \(cert), key \(key))") }
            throw CLIError(error, server: server)
        }
    }

    /// The options of every call: the deadline (`timeout`), the portal's
    /// statement of the end user and the vendor's consumer when the settings carry them.
    public var callOptions: CallOptions {
        var metadata = Metadata()
        if let v = userID { metadata.add(PortalMetadata.userID, v) }
        if let v = assuranceLevel { metadata.add(PortalMetadata.assuranceLevel, v) }
        if let v = userName { metadata.add(PortalMetadata.userName, v) }
        if let v = signsFor { metadata.add(PortalMetadata.signsFor, v) }
        if let v = orgRoles { metadata.add(PortalMetadata.organisationRoles, v) }
        if let v = actingFor { metadata.add(VendorMetadata.actingFor, v) }
        return CallOptions(timeout: .milliseconds(Int64(timeout * 1000)), metadata: metadata)
    }
}

extension Invocation {
    /// Connects with the resolved settings over TLS, whatever the connector
    /// (for what only a network connection has, such as Ping frames).
    /// - Throws: `CLIError` (usage when a TLS file is not named, connection when the server cannot be reached).
    public func connect() throws(CLIError) -> ConsentClient {
        try settings.connect()
    }

    /// The transport for this command's calls, and how to let go of it: a
    /// new TLS connection (closed after) or the connector's transport (left open).
    /// - Throws: `CLIError` as ``connect()``.
    public func openTransport() throws(CLIError) -> (transport: any ClientTransport, close: @Sendable () -> Void) {
        switch connector {
        case .network:
            let client = try connect()
            return (client, { client.close() })
        case .transport(let transport):
            return (transport, {})
        }
    }

    /// The call options every command sends: the deadline, and the portal's
    /// statement of the end user when settings carry one.
    public var callOptions: CallOptions { settings.callOptions }

    /// Makes one unary call (connecting and closing after, over the network)
    /// and maps failures to exit codes.
    public func call<Req, Res>(_ method: ProtoMethod<Req, Res>, _ request: Req) throws(CLIError) -> Res {
        let (transport, close) = try openTransport()
        defer { close() }
        do throws(RPCError) {
            return try transport.unaryBlocking(method, request, options: callOptions)
        } catch {
            throw CLIError(error, server: settings.server)
        }
    }

    /// Makes one server-streaming call (over a new connection unless a transport is given) and hands each message to
    /// `each` on this thread, in order, until the stream ends.
    /// - Parameters:
    ///   - options: nil: the settings' metadata and NO deadline (a live stream
    ///     such as WatchEvents must not end after `--timeout`).
    ///   - each: return false to stop early (the call is cancelled).
    /// - Throws: `CLIError` when the stream ends with a status other than OK.
    public func serverStream<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions? = nil, each: (Res) -> Bool
    ) throws(CLIError) {
        let (transport, close) = try openTransport()
        defer { close() }
        let queue = BlockingQueue<Result<Res, RPCError>?>()
        let handle = transport.serverStream(
            method, request, options: options ?? CallOptions(metadata: callOptions.metadata),
            onMessage: { queue.push(.success($0)) },
            completion: { result in
                if case .failure(let error) = result { queue.push(.failure(error)) }
                queue.push(nil)
            })
        while let item = queue.pop() {
            switch item {
            case .success(let message):
                if !each(message) {
                    handle.cancel()
                    return
                }
            case .failure(let error):
                throw CLIError(error, server: settings.server)
            }
        }
    }
}
