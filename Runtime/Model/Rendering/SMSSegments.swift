/// Counts the segments (billable message parts) an SMS text needs.
///
/// GSM-7 is used when every character is in the GSM 03.38 default alphabet or its extension table;
/// extension characters (`^ { } \ [ ~ ] | €` and form feed) take two septets. A single message holds
/// 160 septets; a longer text is split into parts of 153 septets (the rest carries the
/// concatenation header). Otherwise UCS-2 is used: 70 UTF-16 code units single, 67 per part, and
/// characters outside the Basic Multilingual Plane (most emoji) take two code units.
///
/// Parts are filled greedily without splitting a two-septet extension character or a UTF-16
/// surrogate pair across parts, as carriers do, so a text can need one part more than
/// `units / 153` suggests. An empty text is 0 units in 1 segment (it is still one message).
public struct SMSSegments: Sendable {
    /// Septets of a single GSM-7 message.
    public static let gsm7SingleLimit = 160
    /// Septets per part of a multi-part GSM-7 message.
    public static let gsm7PartLimit = 153
    /// Code units of a single UCS-2 message.
    public static let ucs2SingleLimit = 70
    /// Code units per part of a multi-part UCS-2 message.
    public static let ucs2PartLimit = 67

    /// The encoding, the number of segments, and the length in septets (GSM-7) or UTF-16 code
    /// units (UCS-2).
    public static func count(_ text: String) -> (encoding: SMSEncoding, segments: Int, units: Int) {
        var septets: [Int] = []
        septets.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if basic.contains(scalar) {
                septets.append(1)
            } else if extended.contains(scalar) {
                septets.append(2)
            } else {
                let units = text.unicodeScalars.map { $0.utf16.count }
                return (.ucs2, segments(of: units, single: ucs2SingleLimit, part: ucs2PartLimit), units.reduce(0, +))
            }
        }
        return (.gsm7, segments(of: septets, single: gsm7SingleLimit, part: gsm7PartLimit), septets.reduce(0, +))
    }

    /// Packs indivisible characters of the given sizes into parts.
    private static func segments(of sizes: [Int], single: Int, part: Int) -> Int {
        let total = sizes.reduce(0, +)
        if total <= single { return 1 }
        var count = 1
        var used = 0
        for size in sizes {
            if used + size > part {
                count += 1
                used = 0
            }
            used += size
        }
        return count
    }

    /// The GSM 03.38 default alphabet (one septet each; 0x1B, the escape, is not a character).
    private static let basic: Set<Unicode.Scalar> = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)

    /// The GSM 03.38 extension table (escape plus one septet each).
    private static let extended: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)
}
