import Foundation
import NIOHTTP1
import NotifyProviders
import Testing

/// One provider answer and the failure it must classify as.
struct FailureCase: Sendable, CustomTestStringConvertible {
    var status: Int
    var body: String
    var headers: [(String, String)] = []
    var kind: ProviderFailure.Kind
    var code: String
    var action: ProviderFailure.RecipientAction = .none
    var retryAfter: Duration? = nil

    var response: ProviderHTTPResponse {
        ProviderHTTPResponse(status: status, headers: HTTPHeaders(headers), body: body)
    }
    var testDescription: String { "\(status) → \(code)" }

    func check(_ outcome: SendOutcome) {
        guard case .failed(let failure) = outcome else {
            Issue.record("expected \(code), got \(outcome)")
            return
        }
        #expect(failure.kind == kind)
        #expect(failure.code == code)
        #expect(failure.recipientAction == action)
        #expect(failure.retryAfter == retryAfter)
        #expect(!failure.message.isEmpty)
    }
}

let classificationNow = Date(timeIntervalSince1970: 1_700_000_000)

@Suite("Provider answer classification (reference §6)")
struct ClassificationTests {
    static func twilioBody(_ code: Int, _ status: Int) -> String {
        #"{"code": \#(code), "message": "x", "more_info": "https://www.twilio.com/docs/errors/\#(code)", "status": \#(status)}"#
    }

    @Test(
        "Twilio error codes",
        arguments: [
            FailureCase(
                status: 400, body: twilioBody(21211, 400), kind: .permanent, code: "twilio_21211",
                action: .suppressAddress),
            FailureCase(
                status: 400, body: twilioBody(21610, 400), kind: .permanent, code: "twilio_21610",
                action: .suppressAddress),
            FailureCase(
                status: 400, body: twilioBody(21614, 400), kind: .permanent, code: "twilio_21614",
                action: .suppressAddress),
            FailureCase(status: 401, body: twilioBody(20003, 401), kind: .configuration, code: "twilio_20003"),
            FailureCase(status: 400, body: twilioBody(21606, 400), kind: .configuration, code: "twilio_21606"),
            FailureCase(status: 400, body: twilioBody(21608, 400), kind: .configuration, code: "twilio_21608"),
            FailureCase(
                status: 429, body: twilioBody(20429, 429), headers: [("Retry-After", "7")], kind: .rateLimited,
                code: "twilio_20429", retryAfter: .seconds(7)),
            FailureCase(status: 400, body: twilioBody(21611, 400), kind: .rateLimited, code: "twilio_21611"),
            FailureCase(status: 503, body: "", kind: .transient, code: "twilio_http_503"),
            FailureCase(status: 400, body: twilioBody(99999, 400), kind: .permanent, code: "twilio_99999"),
        ])
    func twilio(_ c: FailureCase) {
        c.check(TwilioClient.classify(c.response, now: classificationNow))
    }

    @Test("Twilio 201 is accepted with the sid; an unreadable 201 is an unknown outcome")
    func twilioAccepted() {
        #expect(
            TwilioClient.classify(
                ProviderHTTPResponse(status: 201, body: #"{"sid": "SM0123", "status": "queued"}"#),
                now: classificationNow)
                == .accepted(providerMessageID: "SM0123"))
        FailureCase(status: 201, body: "<html>", kind: .unknownOutcome, code: "twilio_unreadable_response").check(
            TwilioClient.classify(ProviderHTTPResponse(status: 201, body: "<html>"), now: classificationNow))
    }

    static func vonageBody(_ status: String) -> String {
        #"{"message-count": "1", "messages": [{"status": "\#(status)", "error-text": "x"}]}"#
    }

    @Test(
        "Vonage statuses",
        arguments: [
            FailureCase(
                status: 200, body: vonageBody("1"), kind: .rateLimited, code: "vonage_1", retryAfter: .seconds(1)),
            FailureCase(status: 200, body: vonageBody("4"), kind: .configuration, code: "vonage_4"),
            FailureCase(status: 200, body: vonageBody("9"), kind: .configuration, code: "vonage_9"),
            FailureCase(
                status: 200, body: vonageBody("6"), kind: .permanent, code: "vonage_6", action: .suppressAddress),
            FailureCase(status: 200, body: vonageBody("3"), kind: .permanent, code: "vonage_3"),
            FailureCase(status: 200, body: vonageBody("5"), kind: .transient, code: "vonage_5"),
            FailureCase(status: 500, body: "", kind: .transient, code: "vonage_http_500"),
            FailureCase(
                status: 429, body: "", headers: [("Retry-After", "3")], kind: .rateLimited, code: "vonage_http_429",
                retryAfter: .seconds(3)),
            FailureCase(status: 401, body: "", kind: .configuration, code: "vonage_http_401"),
        ])
    func vonage(_ c: FailureCase) {
        c.check(VonageClient.classify(c.response, now: classificationNow))
    }

    @Test("Vonage status 0 is accepted with the message id")
    func vonageAccepted() {
        let body =
            #"{"message-count": "1", "messages": [{"to": "447700900000", "message-id": "0A00000012345678", "status": "0"}]}"#
        #expect(
            VonageClient.classify(ProviderHTTPResponse(status: 200, body: body), now: classificationNow)
                == .accepted(providerMessageID: "0A00000012345678"))
    }

    @Test(
        "SendGrid statuses",
        arguments: [
            FailureCase(
                status: 429, body: #"{"errors":[{"field":null,"message":"too many requests"}]}"#,
                headers: [("X-RateLimit-Reset", "1700000030")], kind: .rateLimited, code: "sendgrid_429",
                retryAfter: .seconds(30)),
            FailureCase(
                status: 429, body: "", headers: [("Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT")], kind: .rateLimited,
                code: "sendgrid_429", retryAfter: .seconds(30)),
            FailureCase(status: 500, body: "", kind: .transient, code: "sendgrid_http_500"),
            FailureCase(
                status: 400, body: #"{"errors":[{"message":"bad","field":"subject"}]}"#, kind: .configuration,
                code: "sendgrid_400"),
            FailureCase(status: 401, body: "", kind: .configuration, code: "sendgrid_401"),
            FailureCase(
                status: 403,
                body: #"{"errors":[{"message":"The from address does not match","field":"from","help":null}]}"#,
                kind: .configuration, code: "sendgrid_403"),
            FailureCase(status: 413, body: "", kind: .configuration, code: "sendgrid_413"),
        ])
    func sendgrid(_ c: FailureCase) {
        c.check(SendGridClient.classify(c.response, now: classificationNow))
    }

    @Test("SendGrid 202 is accepted with X-Message-Id")
    func sendgridAccepted() {
        let response = ProviderHTTPResponse(status: 202, headers: ["X-Message-Id": "LRzXl_NHStOGhQ4kofSm_A"])
        #expect(
            SendGridClient.classify(response, now: classificationNow)
                == .accepted(providerMessageID: "LRzXl_NHStOGhQ4kofSm_A"))
    }

    static func fcmBody(_ http: Int, _ status: String, _ errorCode: String?, message: String = "x") -> String {
        let details =
            errorCode.map {
                #"[{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "\#($0)"}]"#
            }
            ?? "[]"
        return
            #"{"error": {"code": \#(http), "message": "\#(message)", "status": "\#(status)", "details": \#(details)}}"#
    }

    @Test(
        "FCM error codes",
        arguments: [
            FailureCase(
                status: 404, body: fcmBody(404, "NOT_FOUND", "UNREGISTERED"), kind: .permanent,
                code: "fcm_UNREGISTERED",
                action: .invalidateDeviceToken),
            FailureCase(
                status: 403, body: fcmBody(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), kind: .permanent,
                code: "fcm_SENDER_ID_MISMATCH", action: .invalidateDeviceToken),
            FailureCase(
                status: 400,
                body: fcmBody(
                    400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                    message: "The registration token is not a valid FCM registration token"),
                kind: .permanent, code: "fcm_INVALID_ARGUMENT", action: .invalidateDeviceToken),
            FailureCase(
                status: 400,
                body: fcmBody(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message: "Invalid value at 'message.data'"),
                kind: .configuration, code: "fcm_INVALID_ARGUMENT"),
            FailureCase(
                status: 429, body: fcmBody(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), kind: .rateLimited,
                code: "fcm_QUOTA_EXCEEDED", retryAfter: .seconds(60)),
            FailureCase(
                status: 503, body: fcmBody(503, "UNAVAILABLE", "UNAVAILABLE"), headers: [("Retry-After", "10")],
                kind: .transient, code: "fcm_UNAVAILABLE", retryAfter: .seconds(10)),
            FailureCase(
                status: 500, body: fcmBody(500, "INTERNAL", "INTERNAL"), kind: .transient, code: "fcm_INTERNAL"),
            FailureCase(status: 500, body: "", kind: .transient, code: "fcm_INTERNAL"),
            FailureCase(
                status: 401, body: fcmBody(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"), kind: .configuration,
                code: "fcm_THIRD_PARTY_AUTH_ERROR"),
            FailureCase(
                status: 401, body: fcmBody(401, "UNAUTHENTICATED", nil), kind: .configuration,
                code: "fcm_UNAUTHENTICATED"),
        ])
    func fcm(_ c: FailureCase) {
        c.check(FCMClient.classify(c.response, now: classificationNow))
    }

    @Test("FCM 200 is accepted with the message name")
    func fcmAccepted() {
        #expect(
            FCMClient.classify(
                ProviderHTTPResponse(status: 200, body: #"{"name": "projects/p/messages/0:123"}"#),
                now: classificationNow)
                == .accepted(providerMessageID: "projects/p/messages/0:123"))
    }

    static func apnsBody(_ reason: String) -> String { #"{"reason": "\#(reason)"}"# }

    @Test(
        "APNs reasons",
        arguments: [
            FailureCase(
                status: 410, body: #"{"reason": "Unregistered", "timestamp": 1700000000000}"#, kind: .permanent,
                code: "apns_Unregistered", action: .invalidateDeviceToken),
            FailureCase(
                status: 400, body: apnsBody("BadDeviceToken"), kind: .permanent, code: "apns_BadDeviceToken",
                action: .invalidateDeviceToken),
            FailureCase(
                status: 400, body: apnsBody("DeviceTokenNotForTopic"), kind: .permanent,
                code: "apns_DeviceTokenNotForTopic",
                action: .invalidateDeviceToken),
            FailureCase(status: 400, body: apnsBody("BadTopic"), kind: .configuration, code: "apns_BadTopic"),
            FailureCase(
                status: 403, body: apnsBody("InvalidProviderToken"), kind: .configuration,
                code: "apns_InvalidProviderToken"),
            FailureCase(
                status: 403, body: apnsBody("ExpiredProviderToken"), kind: .transient, code: "apns_ExpiredProviderToken"
            ),
            FailureCase(status: 413, body: apnsBody("PayloadTooLarge"), kind: .permanent, code: "apns_PayloadTooLarge"),
            FailureCase(
                status: 429, body: apnsBody("TooManyRequests"), headers: [("Retry-After", "5")], kind: .rateLimited,
                code: "apns_TooManyRequests", retryAfter: .seconds(5)),
            FailureCase(
                status: 429, body: apnsBody("TooManyProviderTokenUpdates"), kind: .configuration,
                code: "apns_TooManyProviderTokenUpdates"),
            FailureCase(
                status: 500, body: apnsBody("InternalServerError"), kind: .transient, code: "apns_InternalServerError"),
            FailureCase(
                status: 503, body: apnsBody("ServiceUnavailable"), kind: .transient, code: "apns_ServiceUnavailable"),
            FailureCase(status: 502, body: "", kind: .transient, code: "apns_http_502"),
        ])
    func apns(_ c: FailureCase) {
        c.check(APNsClient.classify(c.response, now: classificationNow))
    }

    @Test("APNs 410 carries the time APNs confirmed the token invalid; BadDeviceToken may mean the wrong environment")
    func apnsInvalidSinceAndEnvironment() {
        func failure(_ outcome: SendOutcome) -> ProviderFailure? {
            if case .failed(let failure) = outcome { return failure }
            return nil
        }
        let gone = APNsClient.classify(
            ProviderHTTPResponse(status: 410, body: #"{"reason": "Unregistered", "timestamp": 1700000000123}"#),
            now: classificationNow)
        #expect(failure(gone)?.invalidSince == Date(timeIntervalSince1970: 1_700_000_000.123))
        #expect(failure(gone)?.mayMeanWrongEnvironment == false)
        let bad = APNsClient.classify(
            ProviderHTTPResponse(status: 400, body: Self.apnsBody("BadDeviceToken")), now: classificationNow)
        #expect(failure(bad)?.invalidSince == nil)
        #expect(failure(bad)?.mayMeanWrongEnvironment == true)
    }

    @Test("APNs 200 is accepted with the apns-id header")
    func apnsAccepted() {
        let id = "123e4567-e89b-12d3-a456-4266554400a0"
        #expect(
            APNsClient.classify(ProviderHTTPResponse(status: 200, headers: ["apns-id": id]), now: classificationNow)
                == .accepted(providerMessageID: id))
    }

    @Test(
        "Outbound webhook statuses",
        arguments: [
            FailureCase(
                status: 429, body: "", headers: [("Retry-After", "120")], kind: .rateLimited, code: "webhook_http_429",
                retryAfter: .seconds(120)),
            FailureCase(status: 500, body: "", kind: .transient, code: "webhook_http_500"),
            FailureCase(
                status: 503, body: "", headers: [("Retry-After", "2")], kind: .transient, code: "webhook_http_503",
                retryAfter: .seconds(2)),
            FailureCase(status: 408, body: "", kind: .transient, code: "webhook_http_408"),
            FailureCase(status: 410, body: "", kind: .permanent, code: "webhook_http_410"),
            FailureCase(status: 400, body: "", kind: .permanent, code: "webhook_http_400"),
            FailureCase(status: 301, body: "", kind: .permanent, code: "webhook_http_301"),
        ])
    func webhook(_ c: FailureCase) {
        c.check(WebhookClient.classify(c.response, id: "d1", now: classificationNow))
    }

    @Test("Outbound webhook 2xx is accepted with the webhook id", arguments: [200, 202, 204])
    func webhookAccepted(status: Int) {
        #expect(
            WebhookClient.classify(ProviderHTTPResponse(status: status), id: "d1", now: classificationNow)
                == .accepted(providerMessageID: "d1"))
    }

    @Test("Retry-After reads seconds and HTTP dates, and ignores junk")
    func retryAfter() {
        #expect(RetryAfter.parse("30", now: classificationNow) == .seconds(30))
        #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:14:20 GMT", now: classificationNow) == .seconds(60))
        #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:00:00 GMT", now: classificationNow) == .seconds(0))
        #expect(RetryAfter.parse("soon", now: classificationNow) == nil)
        #expect(RetryAfter.parse(nil, now: classificationNow) == nil)
    }
}
