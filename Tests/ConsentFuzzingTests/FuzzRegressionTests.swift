import ConsentFuzzing
import ConsentProto
import Foundation
import Testing

/// Replays every committed fuzzing input (FuzzTesting/Corpus: seeds from
/// real traffic and what libFuzzer kept; FuzzTesting/FailCases: inputs that
/// once crashed or broke a property) through the same checks the libFuzzer
/// targets run, in the normal build, as swift-protobuf replays its FailCases.
@Suite("Fuzzing inputs replay cleanly")
struct FuzzRegressionTests {
    static let fuzzTesting = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "FuzzTesting")

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let directory = fuzzTesting.appending(path: kind).appending(path: target.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appending(path: $0) }
    }

    @Test("every fail case passes its target's check", arguments: FuzzTarget.all.map(\.name))
    func failCases(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        for file in Self.inputs("FailCases", target) {
            let input = try [UInt8](Data(contentsOf: file))
            do {
                try target.check(input)
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test("every corpus input passes its target's check", arguments: FuzzTarget.all.map(\.name))
    func corpus(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let files = Self.inputs("Corpus", target)
        #expect(!files.isEmpty, "\(name) has no seed corpus")
        for file in files {
            let input = try [UInt8](Data(contentsOf: file))
            do {
                try target.check(input)
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test("the message target covers every RPC of the contract")
    func everyMethodFuzzed() {
        let contract = Consent_V1_Health.allMethodNames + Consent_V1_RegistryService.allMethodNames
            + Consent_V1_ConsentService.allMethodNames + Consent_V1_TokenService.allMethodNames
        #expect(Set(FuzzTarget.protoMethodNames) == Set(contract))
    }
}
