import Crypto
import Foundation
import NIOSSL
import X509

/// A throwaway certificate authority made at start-up, and the `localhost`/`127.0.0.1` server
/// certificate it issued for the APNs listener. Clients trust `caPEM`.
public struct CertificateAuthority: Sendable {
    /// The CA certificate, PEM.
    public let caPEM: String
    /// The server certificate, PEM.
    public let leafPEM: String
    let caDER: [UInt8]
    let leafDER: [UInt8]
    let leafKey: P256.Signing.PrivateKey

    /// Generates a P-256 CA valid for a year and a leaf for `localhost` and `127.0.0.1`.
    public init() throws {
        let caKey = P256.Signing.PrivateKey()
        let leafKey = P256.Signing.PrivateKey()
        let now = Date()
        let caName = try DistinguishedName {
            OrganizationName("notify")
            CommonName("notify provider sandbox CA")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86_400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86_400, issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                Self.subjectAlternativeNames
            },
            issuerPrivateKey: .init(caKey))
        let caDocument = try ca.serializeAsPEM()
        let leafDocument = try leaf.serializeAsPEM()
        self.caPEM = caDocument.pemString
        self.leafPEM = leafDocument.pemString
        self.caDER = caDocument.derBytes
        self.leafDER = leafDocument.derBytes
        self.leafKey = leafKey
    }

    /// `subjectAltName = DNS:localhost, IP:127.0.0.1`, DER-encoded by hand (the IP form needs
    /// SwiftASN1 types this package does not depend on directly).
    static var subjectAlternativeNames: Certificate.Extension {
        let dns = Array("localhost".utf8)
        let names: [UInt8] = [0x82, UInt8(dns.count)] + dns + [0x87, 4, 127, 0, 0, 1]
        return Certificate.Extension(
            oid: .X509ExtensionID.subjectAlternativeName, critical: false,
            value: ([0x30, UInt8(names.count)] + names)[...])
    }

    /// A TLS server configuration presenting the leaf, offering only `h2`.
    func serverTLSConfiguration() throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: leafDER, format: .der)
        let key = try NIOSSLPrivateKey(bytes: Array(leafKey.derRepresentation), format: .der)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        tls.applicationProtocols = ["h2"]
        return tls
    }

    /// The CA as a NIOSSL certificate, for clients' trust roots.
    public func caCertificate() throws -> NIOSSLCertificate {
        try NIOSSLCertificate(bytes: caDER, format: .der)
    }
}
