/// Renders a channel's template with a notification's data.
///
/// Rendering is strict: a variable the data does not contain (absent or `null`) is an error
/// (`missing_variable`), not an empty string. Variables inside a section that does not render
/// (`{{#coupon}}...{{/coupon}}` without `coupon`, or an inverted section whose value is present)
/// are not checked, and a section's own name may be absent: that is how templates make parts
/// optional. Partials (`{{> name}}`) are not supported and render as nothing.
public struct TemplateRenderer: Sendable {
    /// The largest push payload, in UTF-8 bytes, that APNs accepts.
    public static let maxPushPayloadBytes = 4096

    /// Creates a renderer. Compiled templates are cached process-wide.
    public init() {}

    /// Validates the template for the channel (see `TemplateSource.validate(for:)`) and renders it.
    ///
    /// Throws `invalid_template` for a template that does not fit the channel, `missing_variable`
    /// naming every variable the data lacks and the field using it, and `push_payload_too_large`
    /// when a push payload exceeds `maxPushPayloadBytes`. Line breaks in a rendered email subject
    /// become spaces, so data cannot inject headers.
    public func render(
        _ source: TemplateSource, channel: Channel, data: [String: JSONValue]
    ) throws(ModelError)
        -> RenderedContent
    {
        try source.validate(for: channel)
        var rendered: [String: String] = [:]
        var missing: [(field: String, paths: [String])] = []
        for field in source.fields(for: channel) {
            let template = try TemplateCompiler.shared.compile(field.text, field: field.name, escaping: field.escaping)
            let recorder = MissingVariableRecorder()
            rendered[field.name] = TemplateCompiler.shared.render(
                template, escaping: field.escaping, data: data, recorder: recorder)
            if !recorder.paths.isEmpty {
                missing.append((field.name, recorder.paths))
            }
        }
        if !missing.isEmpty {
            throw Self.missingVariables(missing)
        }

        switch channel {
        case .email:
            let subject = Self.singleLine(rendered["subject"] ?? "")
            return .email(subject: subject, html: rendered["html"], text: rendered["text"])
        case .sms:
            let text = rendered["text"] ?? ""
            let count = SMSSegments.count(text)
            return .sms(text: text, segments: count.segments, encoding: count.encoding)
        case .push:
            var payloadData: [String: String] = [:]
            for key in (source.data ?? [:]).keys {
                payloadData[key] = rendered["data.\(key)"]
            }
            let title = rendered["title"]
            let body = rendered["body"]
            let size = Self.pushPayloadSize(title: title, body: body, data: payloadData)
            guard size <= Self.maxPushPayloadBytes else {
                throw ModelError(
                    code: "push_payload_too_large",
                    "the rendered push payload is \(size) bytes and APNs accepts at most "
                        + "\(Self.maxPushPayloadBytes); shorten the title, body or data")
            }
            return .push(title: title, body: body, data: payloadData)
        case .inapp:
            return .inapp(title: rendered["title"], body: rendered["body"], actionURL: rendered["action_url"])
        case .webhook:
            return .webhook(body: rendered["body"] ?? "")
        }
    }

    /// The data entry the FCM client adds to every push (its delivery id, `FCMClient.deliveryIDDataKey`),
    /// at its longest: counted in the payload's size, so a push that fits here fits when sent.
    static let deliveryIDEntry: (key: String, value: String) = ("notify_delivery_id", String(Int64.max))

    /// The UTF-8 size of the APNs-style payload `{"aps":{"alert":{"title":…,"body":…}},…data}`,
    /// with the delivery id entry the FCM client adds.
    static func pushPayloadSize(title: String?, body: String?, data: [String: String]) -> Int {
        var alert: [String: JSONValue] = [:]
        if let title { alert["title"] = .string(title) }
        if let body { alert["body"] = .string(body) }
        var payload: [String: JSONValue] = ["aps": ["alert": .object(alert)]]
        for (key, value) in data {
            payload[key] = .string(value)
        }
        payload[deliveryIDEntry.key] = .string(deliveryIDEntry.value)
        return JSONValue.object(payload).jsonText.utf8.count
    }

    private static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func missingVariables(_ missing: [(field: String, paths: [String])]) -> ModelError {
        let parts = missing.map { field, paths in
            "template field \"\(field)\" uses \(paths.map { "{{\($0)}}" }.joined(separator: ", ")), "
                + "which the notification's data does not contain"
        }
        return ModelError(
            code: "missing_variable",
            parts.joined(separator: "; ")
                + "; add the values to the notification's data or wrap optional parts in a {{#section}}")
    }
}
