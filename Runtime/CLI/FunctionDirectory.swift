import NoopFunction
import NotifyRuntime
import ProbeFunction
import ScheduleTickFunction

/// Every function this build ships.
enum FunctionDirectory {
    static var all: FunctionCatalog {
        var catalog = FunctionCatalog()
        catalog.register(NoopFunction())
        catalog.register(ProbeFunction())
        catalog.register(ScheduleTickFunction())
        return catalog
    }

    /// The functions that run from the queue (schedule-tick runs on the leader, not from the queue).
    static var queued: FunctionCatalog {
        (try? all.restricted(to: all.names.map(\.rawValue).filter { $0 != "schedule-tick" })) ?? all
    }
}
