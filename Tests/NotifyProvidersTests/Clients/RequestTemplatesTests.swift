import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing

@testable import NotifyProviders

/// Requests copied from a kept template carry their own headers and body, and a bad URL is
/// refused every time.
@Suite struct RequestTemplatesTests {
    @Test func copiesCarryTheirOwnHeadersAndBody() throws {
        let templates = RequestTemplates()
        let url = "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages.json"
        let first = try templates.request(
            url: url, method: .POST, headers: ["Authorization": "Basic a"], body: .string("To=1"))
        let second = try templates.request(
            url: url, method: .POST, headers: ["Authorization": "Basic b"], body: .string("To=2"))
        #expect(templates.count == 1)
        #expect(first.headers["Authorization"] == ["Basic a"] && second.headers["Authorization"] == ["Basic b"])
        #expect(second.url.absoluteString == url && second.host == "127.0.0.1" && second.port == 9)
        #expect(second.method == HTTPMethod.POST && !second.useTLS)
        let get = try templates.request(url: url, method: .GET, headers: [:], body: nil)
        #expect(get.method == HTTPMethod.GET && get.body == nil)
        #expect(templates.count == 2)
        for _ in 0..<2 {
            #expect(throws: HTTPClientError.self) {
                try templates.request(url: "not a url", method: .POST, headers: [:], body: nil)
            }
        }
    }

    @Test func keepsAtMostItsCapacity() throws {
        let templates = RequestTemplates()
        for index in 0..<(RequestTemplates.capacity + 10) {
            let request = try templates.request(
                url: "https://hooks.example.com/\(index)", method: .POST, headers: [:], body: nil)
            #expect(request.url.path == "/\(index)")
        }
        #expect(templates.count == RequestTemplates.capacity)
    }
}
