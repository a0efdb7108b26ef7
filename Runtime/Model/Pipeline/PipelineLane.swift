import NotifyFunctionKit

/// How a notification's priority maps to a runtime lane.
public enum PipelineLane {
    /// The lane for a notification: its explicit priority, else `critical` for critical categories,
    /// `bulk` for marketing and `transactional` for the rest.
    public static func lane(priority: String?, kind: CategoryKind, critical: Bool) -> Lane {
        if let priority, let lane = Lane(name: priority) { return lane }
        if critical { return .critical }
        return kind == .marketing ? .bulk : .transactional
    }
}
