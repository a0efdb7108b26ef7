/// What `GET /sandbox/credentials` answers and `--write-credentials` writes: everything a dev
/// setup needs to point real clients at the sandbox.
public struct SandboxCredentialsDocument: Codable, Sendable {
    /// Twilio account settings.
    public struct Twilio: Codable, Sendable {
        /// Where to send API requests instead of the provider's host.
        public var baseURL: String
        /// The account SID.
        public var accountSID: String
        /// The auth token.
        public var authToken: String
        /// An API key SID (`SK…`), usable instead of the account SID for Basic auth.
        public var apiKeySID: String
        /// The API key's secret.
        public var apiKeySecret: String

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case accountSID = "account_sid"
            case authToken = "auth_token"
            case apiKeySID = "api_key_sid"
            case apiKeySecret = "api_key_secret"
        }
    }

    /// SendGrid API key and event-webhook verification key.
    public struct SendGrid: Codable, Sendable {
        /// Where to send API requests instead of the provider's host.
        public var baseURL: String
        /// The API key.
        public var apiKey: String
        /// Base64 DER SubjectPublicKeyInfo, as SendGrid's settings page shows it.
        public var webhookPublicKey: String

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case apiKey = "api_key"
            case webhookPublicKey = "webhook_public_key"
        }
    }

    /// Vonage SMS API credentials and receipt signing secret.
    public struct Vonage: Codable, Sendable {
        /// Where to send API requests instead of the provider's host.
        public var baseURL: String
        /// The API key.
        public var apiKey: String
        /// The API secret.
        public var apiSecret: String
        /// Signs delivery receipts.
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

    /// FCM project and service account.
    public struct FCM: Codable, Sendable {
        /// Where to send API requests instead of the provider's host.
        public var baseURL: String
        /// The Firebase project id.
        public var projectID: String
        /// The service-account JSON file's content.
        public var serviceAccount: [String: String]

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case projectID = "project_id"
            case serviceAccount = "service_account"
        }
    }

    /// APNs token-auth settings.
    public struct APNs: Codable, Sendable {
        /// Where to send API requests instead of the provider's host.
        public var baseURL: String
        /// The key id (`kid`).
        public var keyID: String
        /// The team id (`iss`).
        public var teamID: String
        /// The `.p8` key, PKCS#8 PEM.
        public var privateKeyPEM: String
        /// The only topic accepted, if restricted.
        public var topic: String?

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case keyID = "key_id"
            case teamID = "team_id"
            case privateKeyPEM = "private_key_pem"
            case topic
        }
    }

    /// Twilio.
    public var twilio: Twilio
    /// SendGrid.
    public var sendgrid: SendGrid
    /// Vonage.
    public var vonage: Vonage
    /// FCM.
    public var fcm: FCM
    /// APNs.
    public var apns: APNs
    /// The CA that issued the APNs listener's certificate; trust it in clients.
    public var caPEM: String
    /// Base URL for outbound webhooks (`{webhooksBaseURL}/{name}`).
    public var webhooksBaseURL: String

    /// Assembles the document for a running sandbox.
    public init(credentials: SandboxCredentials, endpoints: SandboxEndpoints, caPEM: String, apnsTopic: String?) {
        let base = endpoints.baseURL
        twilio = Twilio(
            baseURL: base, accountSID: credentials.twilioAccountSID, authToken: credentials.twilioAuthToken,
            apiKeySID: credentials.twilioAPIKeySID, apiKeySecret: credentials.twilioAPIKeySecret)
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
