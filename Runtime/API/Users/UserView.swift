import Foundation
import NotifyModel
import PostgresNIO

/// A user as the API shows it to its tenant: contact points decrypted, devices without tokens.
enum UserView {
    static func load(tenantID: String, externalID: String, dependencies: APIDependencies) async throws -> [String: Any]?
    {
        let rows = try await dependencies.rows(
            """
            SELECT id, email_cipher, phone_cipher, locale, timezone, data::text, created_at, updated_at
            FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = \(externalID)
            """)
        guard let row = rows.first else { return nil }
        let (id, email, phone, locale, timezone, data, created, updated) = try row.decode(
            (Int64, Data?, Data?, String?, String?, String, Date, Date).self)
        var view: [String: Any] = [
            "id": externalID, "created_at": ISO8601.format(created), "updated_at": ISO8601.format(updated),
            "data": try JSONSerialization.jsonObject(with: Data(data.utf8)),
        ]
        if let email { view["email"] = try open(email, dependencies) }
        if let phone { view["phone"] = try open(phone, dependencies) }
        if let locale { view["locale"] = locale }
        if let timezone { view["timezone"] = timezone }
        var devices: [[String: Any]] = []
        for row in try await dependencies.rows(
            """
            SELECT id, platform, created_at, invalidated_at, invalid_reason FROM notify.devices
            WHERE user_id = \(id) AND tenant_id = \(tenantID) ORDER BY id
            """)
        {
            let (deviceID, platform, created, invalidated, reason) = try row.decode(
                (Int64, String, Date, Date?, String?).self)
            var device: [String: Any] = ["id": deviceID, "platform": platform, "created_at": ISO8601.format(created)]
            if let invalidated { device["invalidated_at"] = ISO8601.format(invalidated) }
            if let reason { device["invalid_reason"] = reason }
            devices.append(device)
        }
        view["devices"] = devices
        return view
    }

    static func open(_ blob: Data, _ dependencies: APIDependencies) throws -> String {
        do { return try dependencies.cipher.open(Array(blob)) } catch {
            throw APIError(.internalServerError, code: error.code, error.message)
        }
    }
}
