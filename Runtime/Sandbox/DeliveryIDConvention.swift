import Foundation

/// Where the sandbox looks for the engine's delivery id in each protocol, so recorded messages
/// and duplicate counts can name it:
///
/// - Twilio: the `delivery_id` query parameter of `StatusCallback`.
/// - Vonage: `client-ref`.
/// - SendGrid: `custom_args.delivery_id` (personalization level first, then message level).
/// - FCM: `message.data.notify_delivery_id` (`FCMClient.deliveryIDDataKey`).
/// - APNs: the `apns-id` header.
/// - Outbound webhooks: the `webhook-id` header (Standard Webhooks).
public enum DeliveryIDConvention {
    /// The name of the field, argument or query parameter.
    public static let key = "delivery_id"

    /// The `delivery_id` query parameter of a URL.
    static func fromURL(_ url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == key }?.value
    }
}
