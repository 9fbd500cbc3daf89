import Foundation

/// The human form of a `LoadReport`, in the manner of ghz and h2load.
public enum LoadReportText {
    public static func render(_ r: LoadReport) -> String {
        var lines: [String] = []
        let pacing = r.rate.map { "open loop at \(number($0)) calls/s" } ?? "closed loop"
        lines.append("Summary:")
        lines.append("  scenario     \(r.scenario) (\(r.method))")
        lines.append("  load         \(pacing), \(r.connections) connection\(r.connections == 1 ? "" : "s") × \(r.inFlight) in flight, \(r.threads) client thread\(r.threads == 1 ? "" : "s")")
        lines.append("  duration     \(String(format: "%.2f", r.durationSeconds)) s" + (r.warmupSeconds > 0 ? " (after \(trim(r.warmupSeconds)) s warm-up)" : ""))
        let units = r.unit + "s"
        lines.append("  " + units.padding(toLength: 13, withPad: " ", startingAt: 0) + "\(number(r.calls)): \(number(r.ok)) OK, \(number(r.failed)) failed" + (r.notSent > 0 ? ", \(number(r.notSent)) not sent" : ""))
        lines.append("  rate         \(number(r.callsPerSecond)) \(units)/s" + (r.itemsPerCall > 1 ? " = \(number(r.itemsPerSecond)) items/s (\(r.itemsPerCall) per call)" : ""))
        lines.append("")
        lines.append("Latency" + (r.rate != nil ? " (from the time each call was due):" : ":"))
        let l = r.latency
        for (name, value) in [("min", l.min), ("p50", l.p50), ("p90", l.p90), ("p99", l.p99), ("p99.9", l.p999), ("max", l.max), ("mean", l.mean)] {
            lines.append("  " + name.padding(toLength: 7, withPad: " ", startingAt: 0) + duration(value).leftPadded(10))
        }
        lines.append("")
        lines.append("Status codes:")
        var statuses = [("OK", r.ok)] + r.errors.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
        if r.notSent > 0 { statuses.append(("(not sent)", r.notSent)) }
        let width = statuses.map(\.0.count).max() ?? 0
        for (name, count) in statuses where count > 0 || name == "OK" {
            lines.append("  " + name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + number(count))
        }
        lines.append("")
        lines.append("CPU:")
        let c = r.clientCPU
        lines.append("  client  \(String(format: "%.2f", c.userSeconds + c.systemSeconds)) s = \(Int(c.percentOfCore.rounded())) % of a core (user \(String(format: "%.2f", c.userSeconds)) s, sys \(String(format: "%.2f", c.systemSeconds)) s); busiest thread \(Int(c.busiestThreadPercent.rounded())) %")
        if let s = r.serverCPU {
            lines.append("  server  \(String(format: "%.2f", s.seconds)) s = \(Int(s.percentOfCore.rounded())) % of a core → \(number(s.callsPerCPUSecond)) \(units) per server CPU-second (pid \(s.pid))")
        }
        if let k = r.serverCores {
            let list = k.cores.map(String.init).joined(separator: ",")
            var line = "  server cores \(list): busy \(trim(k.busyPercent)) %, idle \(trim(k.idlePercent)) %, stolen \(trim(k.stealPercent)) %"
            if let own = k.serverPercent, let others = k.othersPercent { line += " (the server \(trim(own)) %, others \(trim(others)) %)" }
            lines.append(line)
        }
        if let lag = r.generator.sendLagP99 {
            lines.append("  send lag p99 \(duration(lag)) (how late consent-load itself sent calls)")
        }
        for note in r.notes { lines += ["", "Note: \(note)"] }
        if r.generator.bottleneck { lines += [""] + warning(r.generator) }
        return lines.joined(separator: "\n")
    }

    /// The block that makes a generator-bound run impossible to miss.
    public static func warning(_ verdict: LoadReport.GeneratorVerdict) -> [String] {
        ["!! WARNING: consent-load itself was the bottleneck; these figures describe the load generator, not the server."]
            + verdict.reasons.map { "!!   - \($0)" }
            + ["!!   fix: more --threads (up to the free cores), fewer --in-flight or a lower --rate, or run consent-load on another machine.",
               "!!   (exit code 5)"]
    }

    /// "812 µs", "1.21 ms", "2.40 s" from microseconds.
    public static func duration(_ micros: Double) -> String {
        if micros < 1000 { return "\(Int(micros.rounded())) µs" }
        if micros < 1_000_000 { return String(format: "%.2f ms", micros / 1000) }
        return String(format: "%.2f s", micros / 1_000_000)
    }

    /// "1,234,567" (rounded).
    public static func number(_ x: Double) -> String {
        number(Int(x.rounded()))
    }

    public static func number(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func trim(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
