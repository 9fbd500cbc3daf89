import ConsentServer
import Foundation

extension FuzzTarget {
    /// The principals file parser (`PrincipalDirectory.parse`, read at start
    /// and on every SIGHUP): a file that loads names principals with an id and
    /// roles, and written out again loads as the same principals.
    ///
    /// Input: the file's bytes.
    public static let principals = FuzzTarget("FuzzPrincipals") { input throws(FuzzFailure) in
        guard let directory = try? PrincipalDirectory.parse(Data(input), source: "principals.json") else { return }
        for principal in directory.all where principal.id.isEmpty || principal.roles.isEmpty {
            throw FuzzFailure("the principals file \(hex(input)) loads with \(principal), which has no id or no roles")
        }
        struct File: Encodable { var principals: [Principal] }
        let written: Data
        do {
            written = try JSONEncoder().encode(File(principals: directory.all))
        } catch {
            throw FuzzFailure("the principals of \(hex(input)) cannot be written: \(error)")
        }
        let again: PrincipalDirectory
        do {
            again = try PrincipalDirectory.parse(written, source: "rewritten")
        } catch {
            throw FuzzFailure("the principals of \(hex(input)) written as \(String(decoding: written, as: UTF8.self)) do not load: \(error)")
        }
        guard again.all == directory.all else {
            throw FuzzFailure("the principals of \(hex(input)) load as \(directory.all), written and loaded again as \(again.all)")
        }
    }

    /// The config file parser (`consentd --config FILE`): every line is an
    /// option or refused with its file and line named; the options that are
    /// accepted give a configuration the server can derive its settings from.
    ///
    /// Input: the file's text (UTF-8).
    public static let configFile = FuzzTarget("FuzzConfigFile") { input throws(FuzzFailure) in
        let text = String(decoding: input, as: UTF8.self)
        var configuration = ServerConfiguration()
        do throws(ConfigurationError) {
            for (option, value, origin) in try ServerOptions.parseConfigFile(text, path: "fuzz.conf") {
                try ServerOptions.applyOption(option, value, origin, to: &configuration)
            }
        } catch {
            guard error.message.hasPrefix("fuzz.conf:") else {
                throw FuzzFailure("a refusal of the config file \(hex(input)) does not name the file and line: \(error.message)")
            }
            return
        }
        _ = configuration.consentConfiguration
        _ = configuration.logOptions { _ in }
        _ = configuration.listenAddress
        _ = try? configuration.validated()
    }
}
