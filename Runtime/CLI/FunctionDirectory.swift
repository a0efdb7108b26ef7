import NoopFunction
import NotifyRuntime
import PreferenceFilterFunction
import ProbeFunction
import RenderFunction
import ScheduleTickFunction
import SendInAppFunction
import ValidateFunction

/// Every function this build ships.
enum FunctionDirectory {
    static var all: FunctionCatalog {
        var catalog = FunctionCatalog()
        catalog.register(NoopFunction())
        catalog.register(ProbeFunction())
        catalog.register(ScheduleTickFunction())
        catalog.register(ValidateFunction())
        catalog.register(PreferenceFilterFunction())
        catalog.register(RenderFunction())
        catalog.register(SendInAppFunction())
        return catalog
    }

    /// The functions that run from the queue (schedule-tick runs on the leader, not from the queue).
    static var queued: FunctionCatalog {
        (try? all.restricted(to: all.names.map(\.rawValue).filter { $0 != "schedule-tick" })) ?? all
    }
}
