import NotifyFunctionKit
import NotifyModel

/// What `preference-filter` reads for one job before it decides: its notification and the
/// deliveries still to decide. Read for many jobs at once through a ``NotifyFunctionKit/RequestCoalescer``.
struct PreferenceInputs: Sendable {
    var notification: NotificationState
    var candidates: [DeliveryFacts]

    /// Reads the inputs of `batches` in two queries; a batch that cannot be read gets its own
    /// failure. For the critical lane the two go at once (the second looks the category up
    /// itself), for the others one after the other (the second is told the category).
    static func fetch(
        _ batches: [DeliveryBatch], context: FunctionContext
    ) async throws -> [Result<PreferenceInputs, any Error>] {
        let states: [Result<NotificationState, any Error>]
        let facts: [Result<[DeliveryFacts], any Error>]
        if context.goesAlone {
            let unknown = [String](repeating: "", count: batches.count)
            (states, facts) = try await context.both(
                { try await NotificationState.loadAll(batches, context: context) },
                { try await DeliveryFacts.loadAll(batches, categoryKeys: unknown, context: context) })
        } else {
            states = try await NotificationState.loadAll(batches, context: context)
            let keys = states.map { state in (try? state.get())?.category.key ?? "" }
            facts = try await DeliveryFacts.loadAll(batches, categoryKeys: keys, context: context)
        }
        return states.indices.map { index in
            states[index].flatMap { notification in
                facts[index].map { PreferenceInputs(notification: notification, candidates: $0) }
            }
        }
    }
}
