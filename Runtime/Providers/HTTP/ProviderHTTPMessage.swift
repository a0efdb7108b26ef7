import NIOHTTP1

/// One provider HTTP request, built by a pure function so it can be tested without a network.
public struct ProviderHTTPRequest: Sendable, Equatable {
    /// The HTTP method, almost always POST.
    public var method: HTTPMethod
    /// The absolute URL.
    public var url: String
    /// The request headers, authorisation included.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: HTTPMethod = .POST, url: String, headers: HTTPHeaders, body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One provider HTTP answer, as the classification functions see it.
public struct ProviderHTTPResponse: Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body bytes (truncated at a limit; provider answers are small).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Creates a response with a UTF-8 body.
    public init(status: Int, headers: HTTPHeaders = [:], body: String) {
        self.init(status: status, headers: headers, body: Array(body.utf8))
    }
}
