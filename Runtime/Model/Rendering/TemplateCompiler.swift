import Mustache

/// How a template field escapes the values it renders.
enum TemplateEscaping: Hashable, Sendable {
    /// `{{var}}` is HTML-escaped, `{{{var}}}` is raw (email HTML bodies).
    case html
    /// Nothing is escaped (subjects, plain text, SMS, push, in-app, webhooks).
    case text
}

/// Compiles template fields with swift-mustache, keeps the results in a small bounded cache, and
/// renders them with missing-variable detection.
final class TemplateCompiler: Sendable {
    /// The process-wide compiler.
    static let shared = TemplateCompiler(capacity: 1024)

    private struct Key: Hashable {
        let text: String
        let escaping: TemplateEscaping
    }

    /// Text fields are compiled behind this prefix. The pragma makes swift-mustache render `{{var}}`
    /// unescaped (its default content type is HTML and it has no render option for it). The leading
    /// `X` keeps the pragma from being a "standalone" tag, which would swallow a newline at the start
    /// of the template; it is removed from the output.
    private static let textPrefix = "X{{% CONTENT_TYPE: TEXT}}"

    private let cache: BoundedMemo<Key, MustacheTemplate>

    init(capacity: Int) {
        self.cache = BoundedMemo(capacity: capacity)
    }

    /// Compiles one field, reporting mustache syntax errors with the field's name.
    func compile(_ text: String, field: String, escaping: TemplateEscaping) throws(ModelError) -> MustacheTemplate {
        try cache.value(for: Key(text: text, escaping: escaping)) { () throws(ModelError) -> MustacheTemplate in
            do {
                // Parse the text as written first, so line and column numbers in errors are the author's.
                let plain = try MustacheTemplate(string: text)
                return escaping == .html ? plain : try MustacheTemplate(string: Self.textPrefix + text)
            } catch {
                throw ModelError(
                    code: "invalid_template",
                    "template field \"\(field)\" is not valid mustache: \(Self.describe(error))")
            }
        }
    }

    /// Renders a compiled field against the data, recording the variables the data lacks.
    func render(
        _ template: MustacheTemplate, escaping: TemplateEscaping, data: [String: JSONValue],
        recorder: MissingVariableRecorder
    ) -> String {
        let output = template.render(RootNode(object: data, recorder: recorder))
        switch escaping {
        case .html:
            return output
        case .text:
            return String(output.unicodeScalars.dropFirst())
        }
    }

    /// The number of compiled templates held (for tests).
    var cachedCount: Int { cache.count }

    private static func describe(_ error: any Error) -> String {
        guard let parserError = error as? MustacheTemplate.ParserError else {
            return "\(error)"
        }
        let reason: String
        switch parserError.error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect:
            reason = "a section is closed with a name that does not match the section it closes"
        case .unfinishedName:
            reason = "a tag is not closed or its name is malformed"
        case .expectedSectionEnd:
            reason = "a section is opened but never closed"
        case .invalidSetDelimiter:
            reason = "a set-delimiter tag is malformed"
        case .invalidConfigVariableSyntax:
            reason = "a {{% ...}} pragma tag is malformed"
        case .unrecognisedConfigVariable:
            reason = "a {{% ...}} pragma tag names an unknown setting"
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            reason = "template inheritance ({{< ...}}, {{$ ...}}) is used incorrectly"
        case nil:
            // The parser's only other error is reading past the end of the text.
            reason = "the template ends inside a tag; close every {{ with }}"
        }
        let context = parserError.context
        return "\(reason) (line \(context.lineNumber), column \(context.columnNumber))"
    }
}
