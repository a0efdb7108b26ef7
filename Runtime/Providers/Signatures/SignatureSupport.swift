import Foundation

/// Small helpers shared by the signature schemes.
enum SignatureSupport {
    /// Compares two byte sequences in time that depends only on their lengths.
    static func constantTimeEqual<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Lowercase hexadecimal of the bytes.
    static func hex<S: Sequence<UInt8>>(_ bytes: S) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hexadecimal in either case, or nil.
    static func bytes(fromHex text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Parses a unix-seconds timestamp and checks it is at most `tolerance` ahead of `now` and at
    /// most `maximumAge` (by default `tolerance`) behind it.
    static func checkTimestamp(
        _ text: String?, now: Date, tolerance: Duration, maximumAge: Duration? = nil, scheme: String
    ) throws(SignatureError)
        -> Int64
    {
        guard let text, !text.isEmpty else {
            throw SignatureError(.missing, "The \(scheme) request has no timestamp.")
        }
        guard let seconds = Int64(text.trimmingCharacters(in: .whitespaces)) else {
            throw SignatureError(.malformed, "The \(scheme) timestamp is not a whole number of unix seconds.")
        }
        let age = now.timeIntervalSince1970 - Double(seconds)
        let limit = Double(tolerance.components.seconds)
        let oldest = Double((maximumAge ?? tolerance).components.seconds)
        if age > oldest {
            throw SignatureError(
                .stale,
                "The \(scheme) timestamp is \(Int64(age.rounded())) s old, older than the \(Int64(oldest)) s accepted; "
                    + "reject it as a replay or check the sender's clock.")
        }
        if -age > limit {
            throw SignatureError(
                .stale,
                "The \(scheme) timestamp is \(Int64(age.rounded())) s from now, outside the \(Int64(limit)) s window; "
                    + "reject it as a replay or check the sender's clock.")
        }
        return seconds
    }
}
