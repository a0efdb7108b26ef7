import Foundation
import NotifyModel
import PostgresNIO

/// One user's upsert, checked and sealed before anything is written: email and phone validated,
/// then stored only as AES-GCM ciphertext plus a keyed hash; locale and time zone validated.
/// Absent fields keep their stored value; a `null` contact point clears it. Used by
/// `PUT /v1/users/{id}` and `POST /v1/users`.
struct UserUpsert: Sendable {
    var email: String??
    var phone: String??
    var locale: String?
    var timezone: String?
    var emailCipher: Data??
    var emailHash: Data??
    var phoneCipher: Data??
    var phoneHash: Data??
    var data: String?

    init(_ body: UserRequest, dependencies: APIDependencies) throws {
        email = try body.email.map { try ContactCheck.value($0, ContactValidation.email) }
        phone = try body.phone.map { try ContactCheck.value($0, ContactValidation.phoneE164) }
        locale = try ContactCheck.value(body.locale, ContactValidation.locale)
        timezone = try ContactCheck.value(body.timezone, ContactValidation.timeZone)
        emailCipher = try email?.map { Data(try dependencies.cipher.seal($0)) }
        emailHash = email?.map { Data(dependencies.hasher.hash($0, channel: .email)) }
        phoneCipher = try phone?.map { Data(try dependencies.cipher.seal($0)) }
        phoneHash = phone?.map { Data(dependencies.hasher.hash($0, channel: .sms)) }
        data = try body.data.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    /// The statement; it returns whether the user was created.
    func query(tenantID: String, externalID: String) throws -> PostgresQuery {
        try """
        INSERT INTO notify.users AS u
            (tenant_id, external_id, email_cipher, email_hash, phone_cipher, phone_hash, locale, timezone, data)
        VALUES (\(tenantID), \(externalID), \(emailCipher ?? nil), \(emailHash ?? nil), \(phoneCipher ?? nil),
                \(phoneHash ?? nil), \(locale), \(timezone), coalesce(\(data)::jsonb, '{}'))
        ON CONFLICT (tenant_id, external_id) DO UPDATE SET
            email_cipher = CASE WHEN \(email != nil) THEN excluded.email_cipher ELSE u.email_cipher END,
            email_hash = CASE WHEN \(email != nil) THEN excluded.email_hash ELSE u.email_hash END,
            phone_cipher = CASE WHEN \(phone != nil) THEN excluded.phone_cipher ELSE u.phone_cipher END,
            phone_hash = CASE WHEN \(phone != nil) THEN excluded.phone_hash ELSE u.phone_hash END,
            locale = coalesce(\(locale), u.locale),
            timezone = coalesce(\(timezone), u.timezone),
            data = coalesce(\(data)::jsonb, u.data),
            updated_at = now()
        RETURNING (xmax = 0)
        """
    }
}
