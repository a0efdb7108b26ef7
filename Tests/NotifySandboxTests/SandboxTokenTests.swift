import Foundation
import Testing

@testable import NotifySandbox

/// The sandbox's random tokens (SendGrid message ids, event ids, OAuth tokens) and their base64url.
@Suite struct SandboxTokenTests {
    /// The encoding as it was written before: base64, then three replacements.
    static func reference(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func base64URLMatchesTheReferenceForEveryLengthAndByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let data = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            #expect(data.base64URLEncoded() == Self.reference(data), "length \(length)")
        }
        let every = Data((0...255).map { UInt8($0) })
        #expect(every.base64URLEncoded() == Self.reference(every))
    }

    @Test(arguments: [1, 7, 8, 9, 16, 24, 32])
    func tokensCarryTheirBytesInBase64URL(_ bytes: Int) throws {
        let tokens = (0..<200).map { _ in SandboxCredentials.randomToken(bytes) }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens {
            #expect(token.count == (bytes * 4 + 2) / 3, "\(token)")
            #expect(token.allSatisfy(allowed.contains), "\(token)")
        }
        if bytes >= 8 { #expect(Set(tokens).count == tokens.count, "200 tokens of \(bytes) bytes, all different") }
    }
}
