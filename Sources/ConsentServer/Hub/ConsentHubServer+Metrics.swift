import ConsentRPC
import ConsentStore
import Foundation

/// `--metrics-listen`: what an operator watches, in Prometheus's text
/// format (docs/OPERATIONS.md, "What each metric means").
extension ConsentHubServer {
    /// The address the metrics endpoint listens on (nil without `--metrics-listen`).
    public var metricsAddress: String? { metricsEndpoint.withLock { $0 }?.address }

    func startMetricsEndpoint() throws(ConfigurationError) {
        guard metrics != nil, !configuration.metricsListen.isEmpty else { return }
        let (host, port) = try ServerOptions.parseHostPort(configuration.metricsListen)
        let endpoint = try MetricsEndpoint(host: host, port: port) { [weak self] in self?.metricsText() ?? "" }
        metricsEndpoint.withLock { $0 = endpoint }
        ServerLog.info("metrics at http://\(endpoint.address)/metrics")
    }

    /// Every metric, now.
    public func metricsText() -> String {
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ value: Double, type: String = "gauge") {
            MetricsText.header(name, type, help, into: &lines)
            lines.append("\(name) \(MetricsText.number(value))")
        }
        if let metrics {
            MetricsText.header("consenthub_calls_total", "counter", "Calls answered, by method and status code (every status, refusals included).", into: &lines)
            let methods = metrics.methods.sorted { $0.key < $1.key } + [("other", metrics.unknownMethod)]
            for (method, series) in methods {
                for (index, counter) in series.codes.enumerated() where counter.count > 0 {
                    let code = index < 17 ? StatusCode(rawValue: UInt32(index)).name : "OTHER"
                    lines.append("consenthub_calls_total{method=\"\(MetricsText.label(method))\",code=\"\(code)\"} \(counter.count)")
                }
            }
            MetricsText.header("consenthub_call_duration_seconds", "histogram", "Time from a call's arrival to its answer, which includes the wait until its events are durable.", into: &lines)
            for (method, series) in methods where series.latency.total > 0 {
                series.latency.render("consenthub_call_duration_seconds", labels: "method=\"\(MetricsText.label(method))\"", into: &lines)
            }
            MetricsText.header("consenthub_store_records_per_sync", "histogram", "Records made durable by one sync (embedded log: pwrite + fdatasync; PostgreSQL: one COMMIT).", into: &lines)
            metrics.recordsPerSync.render("consenthub_store_records_per_sync", labels: "", into: &lines)
            MetricsText.header("consenthub_store_sync_duration_seconds", "histogram", "Time one sync (or COMMIT) took.", into: &lines)
            metrics.syncSeconds.render("consenthub_store_sync_duration_seconds", labels: "", into: &lines)
            gauge("consenthub_expiry_sweeps_total", "Expiry sweeps run by this node.", Double(metrics.expirySweeps.count), type: "counter")
            gauge("consenthub_expired_total", "Requests and consents the sweeps marked expired.", Double(metrics.expired.count), type: "counter")
        }
        let stats = transportStats
        gauge("consenthub_connections_open", "Client connections open now.", Double(stats.connectionsOpen))
        gauge("consenthub_connections_accepted_total", "Client connections accepted since start.", Double(stats.connectionsAccepted), type: "counter")
        gauge("consenthub_calls_in_flight", "Calls received and not yet answered.", Double(stats.callsInFlight))
        gauge("consenthub_protocol_errors_total", "Connections closed for a protocol error.", Double(stats.protocolErrors), type: "counter")

        let role = ledger.role
        MetricsText.header("consenthub_node_role", "gauge", "1 for the node's role: active (serves), standby (follows), promoting, fenced (rejoining), starting, stopped.", into: &lines)
        for name in ["active", "standby", "promoting", "fenced", "starting", "stopped"] {
            lines.append("consenthub_node_role{role=\"\(name)\"} \(role.name == name ? 1 : 0)")
        }
        gauge("consenthub_node_serving", "1 when this node answers calls (Health SERVING).", ledger.isWritable ? 1 : 0)
        gauge("consenthub_storage_failed", "1 after the embedded log failed (read-only until restarted), or while a node is fenced.",
              ledger.failureReason != nil || role.name == "fenced" ? 1 : 0)
        gauge("consenthub_events_committed", "The last sequence number durable (committed) and applied on this node.", Double(ledger.durableSequence))
        if let replica = ledger.replicaStatistics {
            gauge("consenthub_standby_lag_records", "Events committed to the shared database that this node has not applied yet.", Double(replica.recordsBehind))
            gauge("consenthub_standby_lag_seconds", "Seconds since a standby last caught up with the database (0 when current or active).", replica.secondsBehind)
            gauge("consenthub_promotions_total", "Times this node took the lease.", Double(replica.promotions), type: "counter")
        }
        if let store = ledger.logStatistics {
            gauge("consenthub_snapshot_sequence", "The sequence number the newest snapshot written by this process covers (0: none yet).", Double(store.lastSnapshotSequence))
        }
        if let age = newestSnapshotAge() {
            gauge("consenthub_snapshot_age_seconds", "Age of the newest snapshot file in the data directory: a restart replays every event after it.", age)
            gauge("consenthub_events_since_snapshot", "Events after the newest snapshot: what a restart would replay.",
                  Double(ledger.durableSequence > newestSnapshotSequence ? ledger.durableSequence - newestSnapshotSequence : 0))
        }
        gauge("consenthub_resident_bytes", "Resident memory of the process.", Double(HubStatus.residentBytes()))
        gauge("consenthub_uptime_seconds", "Seconds since the server was built.", Double(startedAt.nanoseconds(until: .now())) / 1e9)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The newest `snap-*.snap` (embedded log) or `pgsnap-*.snap` (PostgreSQL) in the data directory.
    private var newestSnapshot: (name: String, sequence: UInt64)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: configuration.dataDirectory)) ?? []
        return names.compactMap { name -> (String, UInt64)? in
            guard name.hasSuffix(".snap"), let dash = name.lastIndex(of: "-") else { return nil }
            guard name.hasPrefix("snap-") || name.hasPrefix("pgsnap-") else { return nil }
            return UInt64(name[name.index(after: dash)...].dropLast(".snap".count)).map { (name, $0) }
        }.max { $0.1 < $1.1 }
    }

    private var newestSnapshotSequence: UInt64 { newestSnapshot?.sequence ?? 0 }

    private func newestSnapshotAge() -> Double? {
        guard let newest = newestSnapshot,
              let modified = (try? FileManager.default.attributesOfItem(atPath: configuration.dataDirectory + "/" + newest.name))?[.modificationDate] as? Date
        else { return nil }
        return max(0, Date().timeIntervalSince(modified))
    }
}
