import Foundation
import Testing
@testable import ConsentOpenSSL

@Suite("Certificates")
struct CertificateTests {
    @Test("CA → server and client chains verify for their purposes")
    func chainsVerify() throws {
        let authority = try CertificateAuthority.create()
        let server = try authority.issueServerCertificate()
        let client = try authority.issueClientCertificate(organisationNumber: "910203045", name: "BANKEN AS")
        try server.certificate.verify(trusting: [authority.certificate], purpose: .serverAuthentication)
        try client.certificate.verify(trusting: [authority.certificate], purpose: .clientAuthentication)
        try authority.certificate.verify(trusting: [authority.certificate])
        // Extended key usage keeps each certificate to its own side.
        #expect(throws: CertificateError.self) {
            try server.certificate.verify(trusting: [authority.certificate], purpose: .clientAuthentication)
        }
        #expect(throws: CertificateError.self) {
            try client.certificate.verify(trusting: [authority.certificate], purpose: .serverAuthentication)
        }
    }

    @Test("a client from another CA is not trusted")
    func foreignClientRejected() throws {
        let authority = try CertificateAuthority.create()
        let (otherAuthority, foreign) = try DevCertificates.foreignClient()
        let error = try #require(throws: CertificateError.self) {
            try foreign.certificate.verify(trusting: [authority.certificate], purpose: .clientAuthentication)
        }
        #expect(error.verificationCode != 0)
        #expect(foreign.certificate.subject.serialNumber == DevPrincipal.consumer.organisationNumber)
        try foreign.certificate.verify(trusting: [otherAuthority.certificate], purpose: .clientAuthentication)
    }

    @Test("client subject: serialNumber, CN and O, including non-ASCII")
    func clientSubject() throws {
        let authority = try CertificateAuthority.create()
        let client = try authority.issueClientCertificate(organisationNumber: "974760673", name: "BRØNNØYSUNDREGISTRENE")
        let subject = client.certificate.subject
        #expect(subject.serialNumber == "974760673")
        #expect(subject.commonName == "BRØNNØYSUNDREGISTRENE")
        #expect(subject.organisation == "BRØNNØYSUNDREGISTRENE")
        #expect(subject.principalID == "974760673")
        #expect(try CertificateSubject(pem: client.certificate.pemRepresentation()) == subject)
        #expect(try CertificateSubject(der: client.certificate.derRepresentation()) == subject)
        #expect(client.certificate.subjectDescription.contains("serialNumber=974760673"))
    }

    @Test("without serialNumber the principal is the CN")
    func commonNameFallback() throws {
        let authority = try CertificateAuthority.create(commonName: "889640782")
        #expect(authority.certificate.subject.serialNumber == nil)
        #expect(authority.certificate.subject.principalID == "889640782")
    }

    @Test("server names: localhost, 127.0.0.1 and extra names")
    func serverNames() throws {
        let authority = try CertificateAuthority.create()
        let server = try authority.issueServerCertificate(extraNames: ["consent.example", "10.0.0.7", "::1"])
        for host in ["localhost", "127.0.0.1", "consent.example", "10.0.0.7", "::1"] {
            #expect(server.certificate.isValid(forHost: host), "\(host)")
        }
        #expect(!server.certificate.isValid(forHost: "example.com"))
        #expect(throws: CertificateError.self) { try authority.issueServerCertificate(extraNames: ["a,b"]) }
        #expect(throws: CertificateError.self) { try authority.issueClientCertificate(organisationNumber: "12345", name: "X") }
    }

    @Test("serial numbers are random 128-bit values")
    func serialNumbers() throws {
        let authority = try CertificateAuthority.create()
        let serials = try (0..<5).map { _ in
            try authority.issueClientCertificate(organisationNumber: "910203045", name: "BANKEN AS").certificate.serialNumberHex
        }
        #expect(Set(serials).count == 5)
        // 16 random bytes; OpenSSL keeps a leading zero byte only for a high bit.
        #expect(serials.allSatisfy { (30...34).contains($0.count) })
    }

    @Test("validity: dates follow the request; an expired certificate is refused")
    func validity() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let authority = try CertificateAuthority.create()
        let day = try authority.issueClientCertificate(
            organisationNumber: "910203045", name: "BANKEN AS",
            validity: CertificateValidity(startOffset: -60, lifetime: 86_400))
        #expect(abs(day.certificate.notBefore - (now - 60)) < 5)
        #expect(abs(day.certificate.notAfter - (now - 60 + 86_400)) < 5)
        try day.certificate.verify(trusting: [authority.certificate], purpose: .clientAuthentication)
        let error = try #require(throws: CertificateError.self) {
            try day.certificate.verify(trusting: [authority.certificate], purpose: .clientAuthentication, at: now + 2 * 86_400)
        }
        #expect(error.message.contains("expired"))
    }

    @Test("PEM, DER and bundle round trips; the key belongs to the certificate")
    func roundTrips() throws {
        let authority = try CertificateAuthority.create()
        let server = try authority.issueServerCertificate()
        let pem = try server.certificate.pemRepresentation()
        let der = try server.certificate.derRepresentation()
        #expect(try Certificate(pemRepresentation: pem).derRepresentation() == der)
        #expect(try Certificate(derRepresentation: der).serialNumberHex == server.certificate.serialNumberHex)
        let bundle = try Certificate.all(pemRepresentation: pem + authority.certificate.pemRepresentation())
        #expect(bundle.count == 2)
        #expect(try server.certificate.publicKey() == server.privateKey.publicKey)
        #expect(throws: CertificateError.self) {
            try CertificateAuthority(certificate: authority.certificate, privateKey: server.privateKey)
        }
        #expect(throws: OpenSSLError.self) { try Certificate(derRepresentation: der + [0]) }
        #expect(throws: OpenSSLError.self) { try Certificate(pemRepresentation: "no certificate") }
    }
}
