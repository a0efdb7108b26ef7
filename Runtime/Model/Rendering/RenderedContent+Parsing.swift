extension RenderedContent {
    /// Reads the flat, `channel`-tagged JSON form (``jsonText``) directly, as
    /// ``init(from:)`` reads it through `JSONDecoder` but without the decoder's boxes and run-time
    /// type lookups: the send step reads one for every delivery it claims.
    ///
    /// The same fields are required and optional as for the decoder; `null` counts as absent for an
    /// optional one. A field of the wrong type or a channel this form does not know is an error.
    ///
    /// - Throws: `DecodingError` naming the field and what was expected, or the byte offset where
    ///   the text is not JSON.
    public init(jsonText text: String) throws {
        let fields = ContentFields(try JSONValue.object(parsing: text))
        let channel = try fields.required("channel")
        switch Channel(rawValue: channel) {
        case .email:
            self = .email(
                subject: try fields.required("subject"), html: try fields.optional("html"),
                text: try fields.optional("text"))
        case .sms:
            let encoding = try fields.required("encoding")
            guard let known = SMSEncoding(rawValue: encoding) else {
                throw fields.corrupted("encoding", "an SMS encoding (gsm7 or ucs2), not \"\(encoding)\"")
            }
            self = .sms(text: try fields.required("text"), segments: try fields.integer("segments"), encoding: known)
        case .push:
            self = .push(
                title: try fields.optional("title"), body: try fields.optional("body"),
                data: try fields.stringObject("data"))
        case .inapp:
            self = .inapp(
                title: try fields.optional("title"), body: try fields.optional("body"),
                actionURL: try fields.optional("action_url"))
        case .webhook:
            self = .webhook(body: try fields.required("body"))
        case nil:
            throw fields.corrupted("channel", "a channel (email, sms, push, inapp or webhook), not \"\(channel)\"")
        }
    }
}

/// The members of a rendered content's JSON object, read with the decoder's rules and errors.
private struct ContentFields {
    let members: [String: JSONValue]

    init(_ members: [String: JSONValue]) { self.members = members }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func corrupted(_ name: String, _ expected: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [Key(name)], debugDescription: "expected \(expected)"))
    }

    private func mismatch(_ name: String, _ type: Any.Type, _ expected: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [Key(name)], debugDescription: "expected \(expected)"))
    }

    func required(_ name: String) throws -> String {
        guard let value = members[name], value != .null else {
            throw DecodingError.keyNotFound(
                Key(name), .init(codingPath: [], debugDescription: "no value for key \"\(name)\""))
        }
        guard case .string(let text) = value else { throw mismatch(name, String.self, "a string") }
        return text
    }

    func optional(_ name: String) throws -> String? {
        guard let value = members[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw mismatch(name, String.self, "a string") }
        return text
    }

    func integer(_ name: String) throws -> Int {
        guard let value = members[name], value != .null else {
            throw DecodingError.keyNotFound(
                Key(name), .init(codingPath: [], debugDescription: "no value for key \"\(name)\""))
        }
        guard case .number(let number) = value, let exact = Int(exactly: number) else {
            throw mismatch(name, Int.self, "a whole number")
        }
        return exact
    }

    func stringObject(_ name: String) throws -> [String: String] {
        guard let value = members[name], value != .null else { return [:] }
        guard case .object(let object) = value else { throw mismatch(name, [String: String].self, "an object") }
        var strings: [String: String] = [:]
        strings.reserveCapacity(object.count)
        for (key, member) in object {
            guard case .string(let text) = member else {
                throw mismatch(name, [String: String].self, "an object of strings (\"\(key)\" is not one)")
            }
            strings[key] = text
        }
        return strings
    }
}
