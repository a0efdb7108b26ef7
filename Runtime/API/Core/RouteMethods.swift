import Hummingbird

/// The methods the server answers on a path, from the operations ``OpenAPIDocument`` describes (a
/// test checks that each is a route of the server): so a request with another method on an
/// existing path is answered 405 with `Allow`, not 404 as if the path did not exist.
///
/// Hummingbird's router keeps its routes to itself and answers any miss as "not found"; this table
/// tells the two apart in ``ProblemMiddleware``.
enum RouteMethods {
    /// A path template split into segments; nil stands for a parameter such as `{id}`.
    private typealias Template = [String?]

    private static let table: [(template: Template, method: String)] =
        (OpenAPIDocument.operations + OpenAPIDocument.campaignOperations).map { operation in
            (segments(operation.path).map { $0.hasPrefix("{") ? nil : $0 }, operation.method.uppercased())
        }

    /// The methods answered on `path`, sorted, or none when no route has this path. Where a fixed
    /// segment and a parameter both match (`/v1/notifications/batch` and `/v1/notifications/{id}`),
    /// only the fixed one counts, as the router resolves it.
    static func allowed(on path: String) -> [String] {
        let parts = segments(path)
        let matches = table.filter { entry in
            entry.template.count == parts.count
                && zip(entry.template, parts).allSatisfy { segment, part in segment == nil || segment == part }
        }
        guard let best = matches.map(\.template).max(by: isLessSpecific) else { return [] }
        return Set(matches.filter { $0.template.map { $0 == nil } == best.map { $0 == nil } }.map(\.method)).sorted()
    }

    /// Whether `lhs` has a parameter where `rhs` first has a fixed segment.
    private static func isLessSpecific(_ lhs: Template, _ rhs: Template) -> Bool {
        for (left, right) in zip(lhs, rhs) where (left == nil) != (right == nil) { return left == nil }
        return false
    }

    private static func segments(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }
}
