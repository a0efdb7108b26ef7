import Foundation
import Testing

@testable import NotifyProviders

/// Form encoding and decoding give what the first, string-by-string version gave (kept here as
/// the reference) for every byte, malformed escapes and awkward field shapes.
@Suite struct FormURLEncodingTests {
    static let texts: [String] = [
        "", "plain", "with space", "a+b", "100%", "%", "%4", "%41", "%4g", "%zz", "%%41", "caf%C3%A9", "%c3%a9",
        "é 日本 🚀", "a=b=c", "=", "==", "&", "&&a&&", "a&b=c&&d=", "+%2B+", "tab\t\nnew", "*-._~",
        String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) }),
    ]

    @Test func decodesAsTheReference() {
        for text in Self.texts + Self.texts.map(Reference.encodeValue) {
            let decoded = FormURLEncoding.decode(text)
            let expected = Reference.decode(text)
            #expect(decoded.map(\.name) == expected.map(\.name), "\(text)")
            #expect(decoded.map(\.value) == expected.map(\.value), "\(text)")
            #expect(FormURLEncoding.unescape(text[...]) == Reference.unescape(text[...]), "\(text)")
        }
    }

    @Test func encodesAsTheReference() {
        for text in Self.texts {
            #expect(FormURLEncoding.escape(text) == Reference.escape(text), "\(text)")
        }
        let pairs = Self.texts.map { (name: $0, value: String($0.reversed())) }
        #expect(FormURLEncoding.encode(pairs) == Reference.encode(pairs))
        #expect(FormURLEncoding.encode([]) == "")
        let decoded = FormURLEncoding.decode(FormURLEncoding.encode(pairs))
        #expect(decoded.map(\.name) == pairs.map(\.name))
        #expect(decoded.map(\.value) == pairs.map(\.value))
    }

    @Test func repeatedAndEmptyFields() {
        let pairs = FormURLEncoding.decode("To=%2B15551234567&&Body=Hi+there&MediaUrl=a&MediaUrl=b&flag")
        #expect(pairs.map(\.name) == ["To", "Body", "MediaUrl", "MediaUrl", "flag"])
        #expect(pairs.map(\.value) == ["+15551234567", "Hi there", "a", "b", ""])
    }

    /// The first version, string by string.
    enum Reference {
        static func encode(_ pairs: [(name: String, value: String)]) -> String {
            pairs.map { "\(escape($0.name))=\(escape($0.value))" }.joined(separator: "&")
        }

        static func encodeValue(_ text: String) -> String { escape(text) }

        static func decode(_ text: String) -> [(name: String, value: String)] {
            guard !text.isEmpty else { return [] }
            return text.split(separator: "&", omittingEmptySubsequences: true).map { field in
                if let equals = field.firstIndex(of: "=") {
                    return (unescape(field[..<equals]), unescape(field[field.index(after: equals)...]))
                }
                return (unescape(field[...]), "")
            }
        }

        static func escape(_ text: String) -> String {
            var out: [UInt8] = []
            let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"), UInt8(ascii: "*"):
                    out.append(byte)
                case UInt8(ascii: " "):
                    out.append(UInt8(ascii: "+"))
                default:
                    out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        static func unescape(_ text: Substring) -> String {
            var out: [UInt8] = []
            let bytes = Array(text.utf8)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "+") {
                    out.append(UInt8(ascii: " "))
                } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                    let decoded = SignatureSupport.bytes(
                        fromHex: String(decoding: bytes[index + 1...index + 2], as: UTF8.self))
                {
                    out.append(decoded[0])
                    index += 2
                } else {
                    out.append(byte)
                }
                index += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
