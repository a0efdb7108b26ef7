import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Classifies errors thrown by the HTTP client (`shared/reference/provider-protocols.md` §6).
public enum NetworkFailure {
    /// Before the request was sent, a failure is transient: the provider never saw it. After, it
    /// is an unknown outcome: the provider may have accepted the message. Bad URLs are
    /// configuration errors either way.
    public static func classify(_ error: any Error, requestSent: Bool) -> ProviderFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
                return ProviderFailure(
                    kind: .configuration, code: "invalid_url", message: "The provider base URL is not a valid URL.")
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .socksHandshakeTimeout,
                .httpProxyHandshakeTimeout:
                return ProviderFailure(
                    kind: .transient, code: "network_connect_timeout", message: "Connecting to the provider timed out.")
            default:
                break
            }
        }
        if !requestSent {
            if error is NIOSSLError || error is BoringSSLError {
                return ProviderFailure(
                    kind: .transient, code: "network_tls", message: "The TLS handshake with the provider failed.")
            }
            if let error = error as? HTTPClientError, error == .deadlineExceeded {
                return ProviderFailure(
                    kind: .transient, code: "network_timeout",
                    message: "The deadline passed before the request could be sent.")
            }
            return ProviderFailure(
                kind: .transient, code: "network_connect_failed",
                message: "The request could not be sent to the provider (\(errorName(error))).")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout:
                return ProviderFailure(
                    kind: .unknownOutcome, code: "network_timeout",
                    message: "The request was sent but no answer came before the deadline.")
            case .remoteConnectionClosed:
                return ProviderFailure(
                    kind: .unknownOutcome, code: "network_closed",
                    message: "The provider closed the connection before answering.")
            default:
                break
            }
        }
        return ProviderFailure(
            kind: .unknownOutcome, code: "network_error",
            message: "The request was sent but the exchange failed (\(errorName(error))).")
    }

    /// A short type name for the error, without its payload (which may carry addresses).
    static func errorName(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "HTTPClientError \(error.shortCode)" }
        return String(describing: type(of: error))
    }
}

extension HTTPClientError {
    fileprivate var shortCode: String {
        // The description is a fixed sentence per code without request data.
        String(describing: self)
    }
}
