import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `validate`: checks a notification against its tenant's categories, templates and users, and
/// expands its recipients into deliveries, one batch at a time.
///
/// A batch is at most ``expansionBatchSize`` recipients: it inserts their deliveries (unique per
/// notification, user and channel), enqueues `preference-filter` work in
/// ``NotifyModel/DeliveryBatch``es, and, when more recipients remain, enqueues the next `validate`
/// batch with a cursor — all committed with the job's completion. A 100,000-subscriber topic is
/// therefore 100 short transactions, never one giant one. Whatever is refused (an unknown
/// category, template, topic or user) is recorded as an event with its reason.
public struct ValidateFunction: NotifyFunction {
    public typealias Input = ValidateInput

    public static let name: FunctionName = "validate"
    /// Its completion does not wait for the disk: its output only changes the database, and a
    /// lost one is computed again (see `CompletionCommit`).
    public static let settings = FunctionSettings(maxAttempts: 5, timeout: .seconds(30), completion: .asynchronous)

    /// Recipients expanded per `validate` job.
    public static let expansionBatchSize = 1000

    /// Creates the function.
    public init() {}

    /// The reads of concurrent jobs, made together.
    private let reads = ValidateReads()

    public func handle(_ input: ValidateInput, context: FunctionContext) async throws -> FunctionOutput {
        guard let notification = try await reads.notifications.load(input, context: context).get() else {
            throw FunctionError(
                .permanent, code: "notification_not_found",
                "notification \(input.notificationID) does not exist for tenant \(input.tenantID)")
        }
        guard
            notification.status == "accepted" || notification.status == "scheduled"
                || (notification.status == "processing" && input.cursor != nil)
        else {
            // Cancelled, refused or already expanded: a replayed or late job has nothing to do.
            return FunctionOutput(summary: #"{"skipped":"\#(notification.status)"}"#)
        }
        let plan: ExpansionPlan
        do {
            plan = try await ExpansionPlan.make(for: notification, input: input, reads: reads, context: context)
        } catch let refusal as Refusal {
            return refusal.output(input)
        }
        return try plan.output(input)
    }
}
