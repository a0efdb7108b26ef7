import Crypto
import Foundation
import JWTKit
import NotifyProviders
import _CryptoExtras

/// Keys generated per test run, never fixed secrets.
enum TestKeys {
    static let apnsKey = P256.Signing.PrivateKey()
    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func apnsConfiguration(baseURL: String) -> (APNsConfiguration, P256.Signing.PublicKey) {
        (
            APNsConfiguration(
                teamID: "TEAM123456", keyID: "KEY1234567", privateKey: apnsKey.pemRepresentation,
                topic: "com.example.app",
                baseURL: baseURL),
            apnsKey.publicKey
        )
    }

    static func fcmConfiguration(baseURL: String) -> FCMConfiguration {
        FCMConfiguration(
            projectID: "demo-project", clientEmail: "sender@demo-project.iam.gserviceaccount.com",
            privateKey: rsaKey.pemRepresentation, privateKeyID: "kid-1", tokenURI: "\(baseURL)/token", baseURL: baseURL)
    }
}
