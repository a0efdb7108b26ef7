import NotifyModel
import Testing

@Suite struct SMSSegmentsTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let encoding: SMSEncoding
        let segments: Int
        let units: Int
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "empty", text: "", encoding: .gsm7, segments: 1, units: 0),
        Vector(name: "160 a", text: String(repeating: "a", count: 160), encoding: .gsm7, segments: 1, units: 160),
        Vector(name: "161 a", text: String(repeating: "a", count: 161), encoding: .gsm7, segments: 2, units: 161),
        Vector(name: "306 a", text: String(repeating: "a", count: 306), encoding: .gsm7, segments: 2, units: 306),
        Vector(name: "307 a", text: String(repeating: "a", count: 307), encoding: .gsm7, segments: 3, units: 307),
        Vector(name: "80 euro", text: String(repeating: "€", count: 80), encoding: .gsm7, segments: 1, units: 160),
        Vector(name: "81 euro", text: String(repeating: "€", count: 81), encoding: .gsm7, segments: 2, units: 162),
        Vector(
            name: "extension table", text: "^{}\\[~]|€\u{0C}", encoding: .gsm7, segments: 1, units: 20),
        Vector(
            name: "accents in the basic set", text: String(repeating: "é", count: 160), encoding: .gsm7, segments: 1,
            units: 160),
        Vector(
            name: "capital C cedilla is GSM-7", text: String(repeating: "Ç", count: 160), encoding: .gsm7,
            segments: 1, units: 160),
        Vector(name: "70 c cedilla", text: String(repeating: "ç", count: 70), encoding: .ucs2, segments: 1, units: 70),
        Vector(name: "71 c cedilla", text: String(repeating: "ç", count: 71), encoding: .ucs2, segments: 2, units: 71),
        Vector(
            name: "134 c cedilla", text: String(repeating: "ç", count: 134), encoding: .ucs2, segments: 2, units: 134),
        Vector(
            name: "135 c cedilla", text: String(repeating: "ç", count: 135), encoding: .ucs2, segments: 3, units: 135),
        Vector(name: "one emoji", text: "Hi 👋", encoding: .ucs2, segments: 1, units: 5),
        Vector(
            name: "emoji switches long text to UCS-2", text: String(repeating: "a", count: 100) + "🙂",
            encoding: .ucs2, segments: 2, units: 102),
        Vector(
            name: "35 emoji fill one UCS-2 message", text: String(repeating: "🙂", count: 35), encoding: .ucs2,
            segments: 1, units: 70),
        Vector(name: "Greek capitals", text: "ΔΦΓΛΩΠΨΣΘΞ", encoding: .gsm7, segments: 1, units: 10),
        Vector(name: "Greek lower case is not GSM-7", text: "α", encoding: .ucs2, segments: 1, units: 1),
        Vector(name: "backtick is not GSM-7", text: "`", encoding: .ucs2, segments: 1, units: 1),
        Vector(name: "CRLF is two septets", text: "a\r\nb", encoding: .gsm7, segments: 1, units: 4),
    ]

    @Test(arguments: vectors)
    func countsSegments(_ vector: Vector) {
        let result = SMSSegments.count(vector.text)
        #expect(result.encoding == vector.encoding)
        #expect(result.segments == vector.segments)
        #expect(result.units == vector.units)
    }

    @Test func anExtensionCharacterIsNotSplitAcrossParts() {
        // 152 septets, then a 2-septet euro sign that does not fit the first 153-septet part.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152)
        let result = SMSSegments.count(text)
        #expect(result.units == 306)
        #expect(result.segments == 3)
    }

    @Test func aSurrogatePairIsNotSplitAcrossParts() {
        let text = String(repeating: "ç", count: 66) + "🙂" + String(repeating: "ç", count: 66)
        let result = SMSSegments.count(text)
        #expect(result.units == 134)
        #expect(result.segments == 3)
    }

    @Test func everyBasicAlphabetCharacterIsOneSeptet() {
        let basic =
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
        #expect(basic.unicodeScalars.count == 127)
        let result = SMSSegments.count(basic)
        #expect(result.encoding == .gsm7)
        #expect(result.units == 127)
    }
}
