/// Recipients that make the simulators answer with a specific error, documented for users of
/// the sandbox. Everything else is accepted and delivered.
///
/// - Twilio `To` (synchronous errors, as Twilio's test numbers): `+15005550001` → 21211 invalid
///   number, `+15005550002` → 21612 unreachable, `+15005550003` → 21408 no geo permission,
///   `+15005550004` → 21610 unsubscribed (STOP), `+15005550009` → 21614 not SMS-capable. Any `To`
///   that is not E.164 → 21211. Asynchronous failures (accepted with 201, then a status
///   callback `undelivered`/`failed` with `ErrorCode`): `+1500555300X` for X in 1…8 → 3000X.
///   30001 (queue overflow) and 30002 (account suspended) end as `failed`, since the message
///   never left Twilio; the carrier's answers 30003–30008 end as `undelivered`.
/// - Vonage `to` (digits, no plus): `15005550001` → status 3 (invalid `to`), `15005550004` → 7
///   (number barred), `15005550005` → 33 (number de-activated); `1500555300X` → accepted, then a
///   `failed` receipt with an error code.
/// - SendGrid: the local part of a `to` address (before any `+tag`) names the events after
///   `processed`: `bounce` (hard bounce), `blocked` (bounce type blocked), `dropped`, `deferred`
///   (then delivered), `open`, `click` (open and click), `spamreport`, `unsubscribe`.
/// - FCM registration tokens starting with `unregistered` → 404 UNREGISTERED, `invalid` → 400
///   INVALID_ARGUMENT (not a valid registration token), `mismatch` → 403 SENDER_ID_MISMATCH,
///   `quota` → 429 QUOTA_EXCEEDED.
/// - APNs device tokens (hex) starting with `41041041` → 410 Unregistered, `40040040` → 400
///   BadDeviceToken, `42942942` → 429 TooManyRequests; a token that is not hex → BadDeviceToken.
public enum MagicRecipients {
    /// Twilio synchronous errors by `To`: (code, HTTP status, message).
    static let twilioSync: [String: (code: Int, message: String)] = [
        "+15005550001": (21211, "The 'To' number is not a valid phone number."),
        "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
        "+15005550003": (
            21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number."
        ),
        "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
        "+15005550009": (21614, "'To' number is not a valid mobile number"),
    ]

    /// Twilio asynchronous delivery errors by `To`: (error code, final status).
    static func twilioAsync(_ to: String) -> (code: Int, status: String)? {
        guard to.hasPrefix("+1500555300"), let digit = to.last?.wholeNumberValue, to.count == 12,
            (1...8).contains(digit)
        else { return nil }
        return (30000 + digit, digit <= 2 ? "failed" : "undelivered")
    }

    /// Vonage synchronous statuses by `to`: (status, error-text).
    static let vonageSync: [String: (status: String, text: String)] = [
        "15005550001": ("3", "Invalid to number"),
        "15005550004": ("7", "Number barred."),
        "15005550005": ("33", "Number De-activated"),
    ]

    /// Vonage receipt error codes by `to`: (err-code, status).
    static func vonageAsync(_ to: String) -> (code: String, status: String)? {
        let codes = ["3": "2", "4": "4", "5": "3", "6": "11", "7": "6", "8": "99"]
        guard to.hasPrefix("1500555300"), to.count == 11, let code = codes[String(to.suffix(1))] else { return nil }
        return (code, "failed")
    }

    /// The SendGrid event keyword of an address, such as `bounce` for `bounce+1@example.com`.
    static func sendGridKeyword(_ email: String) -> String {
        let local = email.split(separator: "@").first.map(String.init) ?? email
        return (local.split(separator: "+").first.map(String.init) ?? local).lowercased()
    }
}
