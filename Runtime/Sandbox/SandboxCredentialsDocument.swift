/// What `GET /sandbox/credentials` answers and `--write-credentials` writes: everything a dev
/// setup needs to point real clients at the sandbox.
public struct SandboxCredentialsDocument: Codable, Sendable {
    public struct Twilio: Codable, Sendable {
        public var baseURL: String
        public var accountSID: String
        public var authToken: String

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case accountSID = "account_sid"
            case authToken = "auth_token"
        }
    }

    public struct SendGrid: Codable, Sendable {
        public var baseURL: String
        public var apiKey: String
        /// Base64 DER SubjectPublicKeyInfo, as SendGrid's settings page shows it.
        public var webhookPublicKey: String

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case apiKey = "api_key"
            case webhookPublicKey = "webhook_public_key"
        }
    }

    public struct Vonage: Codable, Sendable {
        public var baseURL: String
        public var apiKey: String
        public var apiSecret: String
        public var signatureSecret: String
        /// The signature method the secret is used with (`sha256`: HMAC-SHA256).
        public var signatureMethod: String

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case apiKey = "api_key"
            case apiSecret = "api_secret"
            case signatureSecret = "signature_secret"
            case signatureMethod = "signature_method"
        }
    }

    public struct FCM: Codable, Sendable {
        public var baseURL: String
        public var projectID: String
        /// The service-account JSON file's content.
        public var serviceAccount: [String: String]

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case projectID = "project_id"
            case serviceAccount = "service_account"
        }
    }

    public struct APNs: Codable, Sendable {
        public var baseURL: String
        public var keyID: String
        public var teamID: String
        /// The `.p8` key, PKCS#8 PEM.
        public var privateKeyPEM: String
        public var topic: String?

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case keyID = "key_id"
            case teamID = "team_id"
            case privateKeyPEM = "private_key_pem"
            case topic
        }
    }

    public var twilio: Twilio
    public var sendgrid: SendGrid
    public var vonage: Vonage
    public var fcm: FCM
    public var apns: APNs
    /// The CA that issued the APNs listener's certificate; trust it in clients.
    public var caPEM: String
    /// Base URL for outbound webhooks (`{webhooksBaseURL}/{name}`).
    public var webhooksBaseURL: String

    /// Assembles the document for a running sandbox.
    public init(credentials: SandboxCredentials, endpoints: SandboxEndpoints, caPEM: String, apnsTopic: String?) {
        let base = endpoints.baseURL
        twilio = Twilio(baseURL: base, accountSID: credentials.twilioAccountSID, authToken: credentials.twilioAuthToken)
        sendgrid = SendGrid(
            baseURL: base, apiKey: credentials.sendGridAPIKey, webhookPublicKey: credentials.sendGridWebhookPublicKey)
        vonage = Vonage(
            baseURL: base, apiKey: credentials.vonageAPIKey, apiSecret: credentials.vonageAPISecret,
            signatureSecret: credentials.vonageSignatureSecret, signatureMethod: "sha256")
        fcm = FCM(
            baseURL: base, projectID: credentials.fcmProjectID,
            serviceAccount: credentials.serviceAccount(tokenURI: endpoints.tokenURL))
        apns = APNs(
            baseURL: endpoints.apnsURL, keyID: credentials.apnsKeyID, teamID: credentials.apnsTeamID,
            privateKeyPEM: credentials.apnsPrivateKeyPEM, topic: apnsTopic)
        self.caPEM = caPEM
        webhooksBaseURL = base + "/hooks"
    }

    enum CodingKeys: String, CodingKey {
        case twilio, sendgrid, vonage, fcm, apns
        case caPEM = "ca_pem"
        case webhooksBaseURL = "webhooks_base_url"
    }
}
