import Foundation

/// A profile file: `[name]` sections of `key = value` lines, `#` comments.
///
/// ```
/// [default]
/// server = 127.0.0.1:7443
/// ca = ca.pem          # relative paths are relative to this file
/// cert = consumer.pem
/// key = consumer.key
/// ```
public struct ProfileFile: Sendable {
    public var path: String
    /// Profile names in file order.
    public var names: [String]
    /// Each profile's settings, paths already made relative to the file's directory.
    public var profiles: [String: [String: String]]

    /// Where the profile file is when neither `--profile-file` nor
    /// `$CONSENT_PROFILE_FILE` names one.
    public static func defaultPath(environment: [String: String]) -> String {
        (environment["HOME"] ?? "") + "/.config/consenthub/profiles.conf"
    }

    /// Reads and checks a profile file.
    /// - Throws: `CLIError.local` when it cannot be read, `.usage` (with the
    ///   line number) when a line is neither a section nor a known `key = value`.
    public static func load(_ path: String) throws(CLIError) -> ProfileFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .local("cannot read profile file \(path)")
        }
        return try parse(text, path: path)
    }

    /// Parses the text of a profile file that lives at `path`.
    public static func parse(_ text: String, path: String) throws(CLIError) -> ProfileFile {
        var file = ProfileFile(path: path, names: [], profiles: [:])
        var current: String?
        let directory = (path as NSString).deletingLastPathComponent
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "")
                .trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if file.profiles[name] == nil {
                    file.names.append(name)
                    file.profiles[name] = [:]
                }
                current = name
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else {
                throw .usage("\(path):\(number + 1): expected '[profile]' or 'key = value'")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard ConnectionSettings.keys.contains(where: { $0.key == key }) else {
                let known = ConnectionSettings.keys.map(\.key).joined(separator: ", ")
                throw .usage("\(path):\(number + 1): unknown key '\(key)' (known: \(known))")
            }
            if ConnectionSettings.pathKeys.contains(key), !value.hasPrefix("/"), !value.isEmpty, !directory.isEmpty {
                value = directory + "/" + value
            }
            file.profiles[section]![key] = value
        }
        return file
    }

    /// The profile to use: `name` if given (it must exist), else `default` if
    /// the file has one.
    /// - Returns: nil when no profile applies (no file and none asked for, or
    ///   no `default` section).
    /// - Throws: `CLIError.usage` when an asked-for profile or file is missing.
    static func choose(file: String?, name: String?, environment: [String: String]) throws(CLIError)
        -> (name: String, path: String, values: [String: String])?
    {
        let path = file ?? defaultPath(environment: environment)
        if file == nil && !FileManager.default.fileExists(atPath: path) {
            if let name { throw .usage("profile '\(name)' requested but there is no profile file (\(path)); give --profile-file or set $CONSENT_PROFILE_FILE") }
            return nil
        }
        let profiles = try load(path)
        let chosen = name ?? "default"
        guard let values = profiles.profiles[chosen] else {
            if name == nil { return nil }
            throw .usage("profile '\(chosen)' is not in \(path) (it has: \(profiles.names.joined(separator: ", ")))")
        }
        return (chosen, path, values)
    }
}
