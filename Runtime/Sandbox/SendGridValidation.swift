import Foundation
import NotifyJSON

/// The v3 Mail Send constraints (provider-protocols §2.1), as SendGrid's `errors` array.
struct SendGridValidation {
    struct Failure {
        var message: String
        var field: String?
    }

    private(set) var failures: [Failure] = []
    /// Every to/cc/bcc address with its personalization index.
    private(set) var recipients: [(email: String, personalization: Int)] = []

    init(_ mail: [String: JSONValue]) {
        let personalizations = mail["personalizations"]?.objectsValue ?? []
        if personalizations.isEmpty || personalizations.count > 1000 {
            fail(
                "The personalizations field is required and must have at least one personalization.", "personalizations"
            )
        }
        let hasTemplate = mail["template_id"]?.stringValue?.isEmpty == false
        var seen = Set<String>()
        for (index, personalization) in personalizations.enumerated() {
            let to = personalization["to"]?.objectsValue ?? []
            if to.isEmpty {
                fail(
                    "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
                    "personalizations.\(index).to")
            }
            for list in ["to", "cc", "bcc"] {
                for (position, address) in (personalization[list]?.objectsValue ?? []).enumerated() {
                    checkAddress(
                        address, field: "personalizations.\(index).\(list).\(position)", seen: &seen, index: index)
                }
            }
            if !hasTemplate, (mail["subject"]?.stringValue ?? "").isEmpty,
                (personalization["subject"]?.stringValue ?? "").isEmpty
            {
                fail(
                    "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
                    "subject")
            }
            checkCustomArgs(personalization["custom_args"], field: "personalizations.\(index).custom_args")
        }
        if recipients.count > 1000 {
            fail("The total number of recipients must be no more than 1000.", "personalizations")
        }
        checkFrom(mail["from"])
        checkContent(mail["content"], hasTemplate: hasTemplate)
        checkCustomArgs(mail["custom_args"], field: "custom_args")
        if let categories = mail["categories"]?.stringsValue {
            if categories.count > 10 || Set(categories).count != categories.count
                || categories.contains(where: { $0.count > 255 })
            {
                fail(
                    "The categories array must have no more than 10 unique items of at most 255 characters.",
                    "categories")
            }
        }
        if mail["reply_to"] != nil, mail["reply_to_list"] != nil {
            fail("The reply_to and reply_to_list fields cannot be used together.", "reply_to")
        }
        if let sendAt = mail["send_at"]?.numberValue, sendAt > Date().timeIntervalSince1970 + 72 * 3600 {
            fail("The send_at parameter cannot be more than 72 hours in the future.", "send_at")
        }
    }

    var isValid: Bool { failures.isEmpty }

    /// The 400 body.
    var errorsObject: [String: Any] {
        [
            "errors": failures.map {
                ["message": $0.message, "field": $0.field.map { $0 as Any } ?? NSNull(), "help": NSNull()]
            }
        ]
    }

    private mutating func fail(_ message: String, _ field: String?) {
        failures.append(Failure(message: message, field: field))
    }

    private mutating func checkAddress(
        _ address: [String: JSONValue], field: String, seen: inout Set<String>, index: Int
    ) {
        let email = address["email"]?.stringValue ?? ""
        guard Self.isEmail(email) else { return fail("Does not contain a valid address.", field + ".email") }
        if let name = address["name"]?.stringValue, name.contains(";") || name.contains(",") {
            fail("The name of a recipient cannot contain ';' or ','.", field + ".name")
        }
        if !seen.insert(email.lowercased()).inserted {
            fail("Each email address in the personalization block should be unique between to, cc, and bcc.", field)
        }
        recipients.append((email, index))
    }

    private mutating func checkFrom(_ value: JSONValue?) {
        guard let email = value?.objectValue?["email"]?.stringValue, Self.isEmail(email),
            email.unicodeScalars.allSatisfy(\.isASCII)
        else {
            return fail(
                "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.",
                "from.email")
        }
    }

    private mutating func checkContent(_ value: JSONValue?, hasTemplate: Bool) {
        let content = value?.objectsValue ?? []
        if content.isEmpty, !hasTemplate {
            return fail(
                "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.",
                "content")
        }
        for (index, block) in content.enumerated() {
            if (block["type"]?.stringValue ?? "").isEmpty {
                fail("The content type cannot be empty.", "content.\(index).type")
            }
            if (block["value"]?.stringValue ?? "").isEmpty {
                fail("The content value must be a string at least one character in length.", "content.\(index).value")
            }
        }
    }

    private mutating func checkCustomArgs(_ value: JSONValue?, field: String) {
        guard let value else { return }
        guard let object = value.objectValue else {
            return fail("The custom_args field must be an object of strings.", field)
        }
        if JSONValue.object(object).jsonText.utf8.count >= 10_000 {
            fail("The custom_args field must be smaller than 10000 bytes.", field)
        }
    }

    /// One `@` after a non-empty local part, no whitespace, and a domain of at least two
    /// non-empty dot-separated labels. ASCII addresses are checked in one pass over their bytes.
    static func isEmail(_ text: String) -> Bool {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return isEmailByCharacters(text) }
        var at: Int?
        var dots = 0
        var previous: UInt8 = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case 0x09...0x0D, 0x20: return false
            case UInt8(ascii: "@"):
                guard at == nil, index > 0 else { return false }
                at = index
            case UInt8(ascii: "."):
                if at != nil {
                    // A label before every dot of the domain.
                    guard previous != UInt8(ascii: "@"), previous != UInt8(ascii: ".") else { return false }
                    dots += 1
                }
            default: break
            }
            previous = byte
        }
        return at != nil && dots > 0 && previous != UInt8(ascii: ".")
    }

    /// The same rules over characters, for addresses with non-ASCII text.
    static func isEmailByCharacters(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }
}
