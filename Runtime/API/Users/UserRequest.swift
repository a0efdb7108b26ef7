import NotifyModel

/// The body of `PUT /v1/users/{id}`. Absent fields keep their stored value; `null` clears a contact
/// point.
struct UserRequest: Decodable, Sendable {
    var email: String??
    var phone: String??
    var locale: String?
    var timezone: String?
    var data: [String: JSONValue]?

    static let fields: Set<String> = ["email", "phone", "locale", "timezone", "data"]

    enum CodingKeys: String, CodingKey { case email, phone, locale, timezone, data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        email = container.contains(.email) ? .some(try container.decodeIfPresent(String.self, forKey: .email)) : nil
        phone = container.contains(.phone) ? .some(try container.decodeIfPresent(String.self, forKey: .phone)) : nil
        locale = try container.decodeIfPresent(String.self, forKey: .locale)
        timezone = try container.decodeIfPresent(String.self, forKey: .timezone)
        data = try container.decodeIfPresent([String: JSONValue].self, forKey: .data)
    }
}
