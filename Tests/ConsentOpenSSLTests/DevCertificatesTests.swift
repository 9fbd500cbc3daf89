import ConsentCore
import Foundation
import Testing
@testable import ConsentOpenSSL

@Suite("Development certificate directory")
struct DevCertificatesTests {
    @Test("writes every file; keys are 0600; the chain verifies from disk")
    func writesDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try DevCertificates.write(to: directory.path, extraServerNames: ["consent.test"])

        let names = ["consumer", "datasource", "datasource-skatt", "portal", "admin", "vendor"]
        let expected = Set(["ca.pem", "server.pem", "server.key", "web.pem", "web.key", "principals.json"]
            + names.flatMap { ["\($0).pem", "\($0).key"] })
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == expected)

        for file in expected {
            let mode = (try FileManager.default.attributesOfItem(atPath: directory.file(file))[.posixPermissions] as? Int) ?? -1
            #expect(mode == (file.hasSuffix(".key") ? 0o600 : 0o644), "\(file)")
        }

        let ca = try Certificate(pemFile: directory.file("ca.pem"))
        let server = try Certificate(pemFile: directory.file("server.pem"))
        try server.verify(trusting: [ca], purpose: .serverAuthentication)
        #expect(server.isValid(forHost: "consent.test"))
        #expect(try P256.PrivateKey(pemFile: directory.file("server.key")).publicKey == server.publicKey())
        // The web apps' certificate: the same names, a key of its own.
        let web = try Certificate(pemFile: directory.file("web.pem"))
        try web.verify(trusting: [ca], purpose: .serverAuthentication)
        #expect(web.isValid(forHost: "localhost") && web.isValid(forHost: "127.0.0.1") && web.isValid(forHost: "consent.test"))
        #expect(try P256.PrivateKey(pemFile: directory.file("web.key")).publicKey == web.publicKey())
        #expect(try web.publicKey() != server.publicKey())

        for principal in DevPrincipal.all {
            let client = try Certificate(pemFile: directory.file("\(principal.fileName).pem"))
            try client.verify(trusting: [ca], purpose: .clientAuthentication)
            #expect(client.subject.serialNumber == principal.organisationNumber)
            #expect(client.subject.commonName == principal.name)
            // A real organisation number: the check digit is ConsentCore's one rule.
            #expect((try? OrganisationNumber(validating: principal.organisationNumber)) != nil)
            let key = try P256.PrivateKey(pemFile: directory.file("\(principal.fileName).key"))
            #expect(try client.publicKey() == key.publicKey)
        }
    }

    @Test("principals.json maps each client's serialNumber to its roles")
    func principalsFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try DevCertificates.write(to: directory.path)
        let data = try Data(contentsOf: URL(fileURLWithPath: directory.file("principals.json")))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let principals = try #require(root["principals"] as? [[String: Any]])
        var byID: [String: (String, [String])] = [:]
        for entry in principals {
            let id = try #require(entry["id"] as? String)
            byID[id] = (try #require(entry["name"] as? String), try #require(entry["roles"] as? [String]))
        }
        #expect(byID.count == 6)
        #expect(byID["910203045"]?.0 == "BANKEN AS")
        #expect(byID["910203045"]?.1 == ["consumer"])
        #expect(byID["889640782"]?.1 == ["datasource"])
        #expect(byID["974761076"]?.1 == ["datasource"])
        #expect(byID["974760673"]?.0 == "BRØNNØYSUNDREGISTRENE")
        #expect(byID["974760673"]?.1 == ["portal"])
        #expect(byID["991825827"]?.1 == ["admin"])
        for fileName in ["consumer", "datasource", "datasource-skatt", "portal", "admin"] {
            let subject = try Certificate(pemFile: directory.file("\(fileName).pem")).subject
            #expect(byID[subject.serialNumber ?? ""] != nil, "\(fileName)")
        }
    }

    @Test("JSON escaping in principals.json")
    func principalsEscaping() throws {
        let json = DevCertificates.principalsJSON([
            DevPrincipal(fileName: "x", organisationNumber: "910203045", name: "A \"B\" \\ C\u{1}", roles: ["consumer"]),
        ])
        #expect(json.contains(#""name": "A \"B\" \\ C\u0001""#))
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(parsed != nil)
    }
}
