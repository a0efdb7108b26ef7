import Foundation
import NotifyFunctionKit
import NotifyModel

/// The body of `POST /v1/notifications`.
struct NotificationRequest: Decodable, Sendable {
    /// Who receives it: exactly one of `user`, `users` or `topic`.
    struct Recipients: Decodable, Sendable {
        var user: String?
        var users: [String]?
        var topic: String?
    }

    var category: String
    var to: Recipients
    var template: String?
    var data: [String: JSONValue]?
    var channels: [String]?
    var sendAt: Date?
    /// A wall-clock time (`2026-12-02T09:00`) at which each recipient gets it in their own zone.
    var sendAtLocal: String?
    var priority: String?

    enum CodingKeys: String, CodingKey {
        case category, to, template, data, channels
        case sendAt = "send_at"
        case sendAtLocal = "send_at_local"
        case priority
    }

    static let fields: Set<String> = [
        "category", "to", "template", "data", "channels", "send_at", "send_at_local", "priority",
    ]
    static let maximumUsers = 1000

    /// The recipients as stored: `{"users": [...]}` or `{"topic": "..."}`, after checking their shape.
    func recipientsJSON() throws -> String {
        let named = [to.user != nil, to.users != nil, to.topic != nil].filter { $0 }.count
        guard named == 1 else {
            throw APIError(
                .badRequest, code: "invalid_recipients",
                "\"to\" must name exactly one of \"user\", \"users\" or \"topic\"")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let topic = to.topic {
            return String(decoding: try encoder.encode(["topic": topic]), as: UTF8.self)
        }
        let users = to.users ?? [to.user!]
        guard !users.isEmpty, users.count <= Self.maximumUsers else {
            throw APIError(
                .badRequest, code: "invalid_recipients",
                "\"to.users\" must hold 1 to \(Self.maximumUsers) user ids; use a topic for larger audiences")
        }
        return String(decoding: try encoder.encode(["users": users]), as: UTF8.self)
    }

    /// Checks the fields that need no database.
    func validateShape() throws {
        if let priority, Lane(name: priority) == nil {
            throw APIError(
                .badRequest, code: "invalid_priority", "\"priority\" must be critical, transactional or bulk")
        }
        for channel in channels ?? [] {
            do { _ = try Channel.parse(channel) } catch {
                throw APIError(.badRequest, code: error.code, error.message)
            }
        }
        if let channels, channels.isEmpty {
            throw APIError(
                .badRequest, code: "invalid_channels", "\"channels\" must not be empty; omit it to use the category's")
        }
    }
}
