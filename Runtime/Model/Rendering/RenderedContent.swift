/// A rendered message, ready for a channel's sender.
///
/// The JSON form is flat and tagged by `channel`, for example
/// `{"channel":"sms","text":"Your code is 123456","segments":1,"encoding":"gsm7"}`. Absent optional
/// fields are left out; push `data` is always present (possibly `{}`).
public enum RenderedContent: Codable, Sendable, Hashable {
    /// An email. At least one of `html` and `text` is present.
    case email(subject: String, html: String?, text: String?)
    /// An SMS with its segment count and encoding.
    case sms(text: String, segments: Int, encoding: SMSEncoding)
    /// A push notification; `data` holds the extra payload keys.
    case push(title: String?, body: String?, data: [String: String])
    /// An in-app message.
    case inapp(title: String?, body: String?, actionURL: String?)
    /// A webhook request body.
    case webhook(body: String)

    /// The channel this content is for.
    public var channel: Channel {
        switch self {
        case .email: return .email
        case .sms: return .sms
        case .push: return .push
        case .inapp: return .inapp
        case .webhook: return .webhook
        }
    }

    /// The flat, `channel`-tagged JSON form with its keys sorted: what `JSONEncoder` with
    /// `.sortedKeys` writes (and ``init(from:)`` reads), written by hand because `render` writes one
    /// for every delivery and the encoder's generic machinery cost more than the content.
    public var jsonText: String {
        var text = ""
        text.reserveCapacity(64 + utf8Estimate)
        text += "{"
        var first = true
        func field(_ key: String, _ value: String?) { JSONQuoting.appendMember(key, value, to: &text, first: &first) }
        switch self {
        case .email(let subject, let html, let plain):
            field("channel", "email")
            field("html", html)
            field("subject", subject)
            field("text", plain)
        case .sms(let body, let segments, let encoding):
            field("channel", "sms")
            field("encoding", encoding.rawValue)
            text += ",\"segments\":"
            text += String(segments)
            field("text", body)
        case .push(let title, let body, let data):
            field("body", body)
            field("channel", "push")
            text += ",\"data\":"
            JSONQuoting.appendObject(data, to: &text)
            field("title", title)
        case .inapp(let title, let body, let actionURL):
            field("action_url", actionURL)
            field("body", body)
            field("channel", "inapp")
            field("title", title)
        case .webhook(let body):
            field("body", body)
            field("channel", "webhook")
        }
        text += "}"
        return text
    }

    /// About how many bytes of text the content holds, to size its JSON form at once.
    private var utf8Estimate: Int {
        switch self {
        case .email(let subject, let html, let plain):
            return subject.utf8.count + (html?.utf8.count ?? 0) + (plain?.utf8.count ?? 0)
        case .sms(let text, _, _): return text.utf8.count
        case .push(let title, let body, let data):
            let dataCount = data.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 }
            return (title?.utf8.count ?? 0) + (body?.utf8.count ?? 0) + dataCount
        case .inapp(let title, let body, let actionURL):
            return (title?.utf8.count ?? 0) + (body?.utf8.count ?? 0) + (actionURL?.utf8.count ?? 0)
        case .webhook(let body): return body.utf8.count
        }
    }

    private enum CodingKeys: String, CodingKey {
        case channel, subject, html, text, segments, encoding, title, body, data
        case actionURL = "action_url"
    }

    /// Decodes the flat, `channel`-tagged JSON form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Channel.self, forKey: .channel) {
        case .email:
            self = .email(
                subject: try container.decode(String.self, forKey: .subject),
                html: try container.decodeIfPresent(String.self, forKey: .html),
                text: try container.decodeIfPresent(String.self, forKey: .text))
        case .sms:
            self = .sms(
                text: try container.decode(String.self, forKey: .text),
                segments: try container.decode(Int.self, forKey: .segments),
                encoding: try container.decode(SMSEncoding.self, forKey: .encoding))
        case .push:
            self = .push(
                title: try container.decodeIfPresent(String.self, forKey: .title),
                body: try container.decodeIfPresent(String.self, forKey: .body),
                data: try container.decodeIfPresent([String: String].self, forKey: .data) ?? [:])
        case .inapp:
            self = .inapp(
                title: try container.decodeIfPresent(String.self, forKey: .title),
                body: try container.decodeIfPresent(String.self, forKey: .body),
                actionURL: try container.decodeIfPresent(String.self, forKey: .actionURL))
        case .webhook:
            self = .webhook(body: try container.decode(String.self, forKey: .body))
        }
    }

    /// Encodes the flat, `channel`-tagged JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        switch self {
        case .email(let subject, let html, let text):
            try container.encode(subject, forKey: .subject)
            try container.encodeIfPresent(html, forKey: .html)
            try container.encodeIfPresent(text, forKey: .text)
        case .sms(let text, let segments, let encoding):
            try container.encode(text, forKey: .text)
            try container.encode(segments, forKey: .segments)
            try container.encode(encoding, forKey: .encoding)
        case .push(let title, let body, let data):
            try container.encodeIfPresent(title, forKey: .title)
            try container.encodeIfPresent(body, forKey: .body)
            try container.encode(data, forKey: .data)
        case .inapp(let title, let body, let actionURL):
            try container.encodeIfPresent(title, forKey: .title)
            try container.encodeIfPresent(body, forKey: .body)
            try container.encodeIfPresent(actionURL, forKey: .actionURL)
        case .webhook(let body):
            try container.encode(body, forKey: .body)
        }
    }
}
