/// The stored mustache template of one channel. Which fields a channel uses:
///
/// - email: `subject` and at least one of `html` and `text`
/// - sms: `text`
/// - push: `title` and/or `body`, optional `data` (whose values are templates too)
/// - inapp: `title` and/or `body`, optional `action_url`
/// - webhook: `body` (a JSON template, rendered as text)
///
/// Email `html` HTML-escapes `{{var}}` (use `{{{var}}}` for raw HTML); every other field renders
/// without escaping.
public struct TemplateSource: Codable, Sendable, Hashable {
    /// The email subject.
    public var subject: String?
    /// The email HTML body.
    public var html: String?
    /// The email plain-text body, or the SMS text.
    public var text: String?
    /// The push or in-app title.
    public var title: String?
    /// The push or in-app body, or the webhook's JSON body.
    public var body: String?
    /// Extra push payload keys; each value is a template. The key `aps` is reserved.
    public var data: [String: String]?
    /// The in-app message's link.
    public var actionURL: String?

    enum CodingKeys: String, CodingKey {
        case subject, html, text, title, body, data
        case actionURL = "action_url"
    }

    /// Creates a template; pass the fields the channel uses.
    public init(
        subject: String? = nil, html: String? = nil, text: String? = nil, title: String? = nil,
        body: String? = nil, data: [String: String]? = nil, actionURL: String? = nil
    ) {
        self.subject = subject
        self.html = html
        self.text = text
        self.title = title
        self.body = body
        self.data = data
        self.actionURL = actionURL
    }

    /// Checks that the template has the fields the channel needs, no fields the channel does not
    /// use, and that every field is valid mustache. Throws `invalid_template` listing every problem.
    public func validate(for channel: Channel) throws(ModelError) {
        var problems: [String] = []
        let used = Self.fieldNames(for: channel)
        for name in presentFieldNames where !used.contains(name) {
            problems.append(
                "field \"\(name)\" is not used by \(channel.rawValue) templates; remove it "
                    + "(\(channel.rawValue) uses \(used.map { "\"\($0)\"" }.joined(separator: ", ")))")
        }
        switch channel {
        case .email:
            if Self.isBlank(subject) { problems.append("email templates need a \"subject\"") }
            if Self.isBlank(html) && Self.isBlank(text) {
                problems.append("email templates need \"html\" or \"text\" (or both)")
            }
        case .sms:
            if Self.isBlank(text) { problems.append("sms templates need a \"text\"") }
        case .push, .inapp:
            if Self.isBlank(title) && Self.isBlank(body) {
                problems.append("\(channel.rawValue) templates need a \"title\" or a \"body\" (or both)")
            }
        case .webhook:
            if Self.isBlank(body) { problems.append("webhook templates need a \"body\"") }
        }
        if channel == .push, let data {
            if data.keys.contains("aps") {
                problems.append("push \"data\" cannot use the key \"aps\"; APNs reserves it for the alert")
            }
            if data.keys.contains(where: \.isEmpty) {
                problems.append("push \"data\" keys cannot be empty")
            }
            let reserved = data.keys.filter(Self.isReservedByFCM).sorted()
            if !reserved.isEmpty {
                let names = reserved.map { "\"\($0)\"" }.joined(separator: ", ")
                problems.append(
                    "push \"data\" cannot use the key\(reserved.count == 1 ? "" : "s") \(names); FCM reserves \"from\", "
                        + "\"gcm\" and every key starting with \"google\" and refuses the message; rename "
                        + (reserved.count == 1 ? "it" : "them"))
            }
        }
        for field in fields(for: channel) {
            do {
                _ = try TemplateCompiler.shared.compile(field.text, field: field.name, escaping: field.escaping)
            } catch {
                problems.append(error.message)
            }
        }
        if !problems.isEmpty {
            throw ModelError(code: "invalid_template", problems.joined(separator: "; "))
        }
    }

    /// One template field as it is compiled and rendered.
    struct Field {
        let name: String
        let text: String
        let escaping: TemplateEscaping
    }

    /// The present fields the channel uses, in a stable order (push data by key).
    func fields(for channel: Channel) -> [Field] {
        var fields: [Field] = []
        func add(_ name: String, _ text: String?, _ escaping: TemplateEscaping = .text) {
            if let text { fields.append(Field(name: name, text: text, escaping: escaping)) }
        }
        switch channel {
        case .email:
            add("subject", subject)
            add("html", html, .html)
            add("text", text)
        case .sms:
            add("text", text)
        case .push:
            add("title", title)
            add("body", body)
            for key in (data ?? [:]).keys.sorted() {
                add("data.\(key)", data?[key])
            }
        case .inapp:
            add("title", title)
            add("body", body)
            add("action_url", actionURL)
        case .webhook:
            add("body", body)
        }
        return fields
    }

    private static func fieldNames(for channel: Channel) -> [String] {
        switch channel {
        case .email: return ["subject", "html", "text"]
        case .sms: return ["text"]
        case .push: return ["title", "body", "data"]
        case .inapp: return ["title", "body", "action_url"]
        case .webhook: return ["body"]
        }
    }

    private var presentFieldNames: [String] {
        var names: [String] = []
        if subject != nil { names.append("subject") }
        if html != nil { names.append("html") }
        if text != nil { names.append("text") }
        if title != nil { names.append("title") }
        if body != nil { names.append("body") }
        if data != nil { names.append("data") }
        if actionURL != nil { names.append("action_url") }
        return names
    }

    /// True for a data key FCM refuses (`from`, `gcm`, any key starting with `google`), which
    /// would fail every push of the template with 400 INVALID_ARGUMENT.
    public static func isReservedByFCM(_ key: String) -> Bool {
        key == "from" || key == "gcm" || key.lowercased().hasPrefix("google")
    }

    private static func isBlank(_ field: String?) -> Bool {
        field?.allSatisfy(\.isWhitespace) ?? true
    }
}
