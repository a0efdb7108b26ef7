import Foundation
import NotifyModel
import Testing

/// ``TimelineEventKind`` is the list event subscriptions are checked against: every kind the engine
/// writes to a timeline must be on it, or a subscription asking for that kind would be refused.
/// The writers name kinds as text, so this reads their sources.
@Suite struct TimelineEventKindTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Where a kind is named: a transition's `event:`, a notification event's `kind:`, a send
    /// ledger's event, and a literal on the line an `INSERT INTO notify.events` selects or gives
    /// values on (before any call: a kind taken from a column, such as a status, is not a literal).
    static var patterns: [Regex<(Substring, Substring)>] {
        [
            #/event: "([a-z_]+)"/#,
            #/notificationID: [^,()]+, kind: "([a-z_]+)"/#,
            #/Event\(delivery: \w+, kind: "([a-z_]+)"/#,
            #/event\(\s*[\w.]+,\s*"([a-z_]+)"/#,
            #/INSERT INTO notify\.events \([^)]*\)\s+(?:SELECT|VALUES) *\(?(?:[^'(\n]|\\\()*?'([a-z_]+)'/#,
        ]
    }

    static func sources() throws -> [(path: String, text: String)] {
        var files: [(String, String)] = []
        for folder in ["Runtime", "Functions"] {
            let base = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in walker where url.pathExtension == "swift" {
                let path = url.path.replacingOccurrences(of: root.path + "/", with: "")
                guard !path.hasPrefix("Runtime/Sandbox/"), !path.hasPrefix("Runtime/CLI/") else { continue }
                files.append((path, try String(contentsOf: url, encoding: .utf8)))
            }
        }
        return files
    }

    @Test func everyKindTheEngineWritesIsOnTheList() throws {
        let known = Set(TimelineEventKind.names)
        var found: Set<String> = []
        for (path, text) in try Self.sources() {
            for pattern in Self.patterns {
                for match in text.matches(of: pattern) {
                    let kind = String(match.output.1)
                    found.insert(kind)
                    #expect(known.contains(kind), "\(path) writes the event kind \"\(kind)\"")
                }
            }
        }
        // The scan itself must see the writers, or it proves nothing.
        #expect(found.isSuperset(of: ["accepted", "scheduled", "sent", "dropped", "deferred", "rescued", "expanded"]))
    }

    @Test func everyProviderCallbackKindIsOnTheList() throws {
        let text = try String(
            contentsOf: Self.root.appendingPathComponent("Functions/WebhookIngest/CallbackEvent.swift"), encoding: .utf8
        )
        let cases = text.matches(of: #/case (\w+)(?: = "([a-z_]+)")?\n/#).map { String($0.output.2 ?? $0.output.1) }
        #expect(cases.contains("spam_reported") && cases.contains("delivered"), "\(cases)")
        for kind in cases where kind != "progress" {  // progress callbacks are never recorded
            #expect(TimelineEventKind.names.contains(kind), "a provider callback records \"\(kind)\"")
        }
    }

    @Test func everyKindIsNamedOnce() {
        #expect(Set(TimelineEventKind.names).count == TimelineEventKind.names.count)
        #expect(TimelineEventKind.names.allSatisfy { $0.allSatisfy { $0 == "_" || ("a"..."z").contains($0) } })
    }
}
