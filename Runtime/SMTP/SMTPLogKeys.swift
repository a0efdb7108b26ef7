/// Logger metadata keys used by NotifySMTP, in one place. Values never carry addresses, message
/// text or credentials.
enum SMTPLogKeys {
    static let deliveryID = "delivery_id"
    static let code = "smtp_code"
    static let stage = "smtp_stage"
    static let outcome = "outcome"
    static let tls = "smtp_tls"
    static let pipelining = "smtp_pipelining"
    static let reused = "smtp_reused"
    static let port = "smtp_port"
}
