import NotifyFunctionKit
import NotifyModel

/// What `preference-filter` reads for one job before it decides: its notification and the
/// deliveries still to decide. Read for many jobs at once through a ``NotifyFunctionKit/RequestCoalescer``.
struct PreferenceInputs: Sendable {
    var notification: NotificationState
    var candidates: [DeliveryFacts]

    /// Reads the inputs of `batches` in two queries; a batch that cannot be read gets its own
    /// failure.
    static func fetch(
        _ batches: [DeliveryBatch], context: FunctionContext
    ) async throws -> [Result<PreferenceInputs, any Error>] {
        let states = try await NotificationState.loadAll(batches, context: context)
        var requests: [(batch: DeliveryBatch, categoryKey: String)] = []
        var positions: [Int] = []
        for (index, state) in states.enumerated() {
            guard case .success(let notification) = state else { continue }
            requests.append((batches[index], notification.category.key))
            positions.append(index)
        }
        let facts = requests.isEmpty ? [] : try await DeliveryFacts.loadAll(requests, context: context)
        var inputs = states.map { state in state.map { PreferenceInputs(notification: $0, candidates: []) } }
        for (request, index) in positions.enumerated() {
            inputs[index] = inputs[index].flatMap { read in
                facts[request].map { PreferenceInputs(notification: read.notification, candidates: $0) }
            }
        }
        return inputs
    }
}
