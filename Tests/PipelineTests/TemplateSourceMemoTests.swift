import Foundation
import NotifyModel
import Testing

@testable import RenderFunction

@Suite("Decoded template sources")
struct TemplateSourceMemoTests {
    @Test("a stored text decodes to the same template every time, another text to its own, and a bad one is an error")
    func decodesEachTextToItsOwnTemplate() throws {
        let decoder = JSONDecoder()
        let text = #"{"title":"Hi {{name}}","body":"memo \#(UUID())"}"#
        let first = try TemplateSourceMemo.source(text, decoder: decoder)
        #expect(first.title == "Hi {{name}}")
        #expect(try TemplateSourceMemo.source(text, decoder: decoder) == first)
        let next = try TemplateSourceMemo.source(#"{"title":"Bye {{name}}"}"#, decoder: decoder)
        #expect(next.title == "Bye {{name}}")
        #expect(throws: DecodingError.self) { try TemplateSourceMemo.source(#"{"title": 3}"#, decoder: decoder) }
    }

    @Test("past its capacity the memo starts again and still decodes")
    func staysBounded() throws {
        let decoder = JSONDecoder()
        for n in 0...TemplateSourceMemo.capacity {
            #expect(try TemplateSourceMemo.source(#"{"body":"n\#(n)"}"#, decoder: decoder).body == "n\(n)")
        }
        #expect(TemplateSourceMemo.count <= TemplateSourceMemo.capacity)
    }
}
