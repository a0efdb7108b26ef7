import Foundation

/// The on/off settings read outside ``CommandEnvironment`` (before a command runs, or by the
/// runtime's own modules, which look only for `on` or `off`): checked and spelled the way their
/// readers expect before anything reads them.
///
/// Keys: `NOTIFY_NIO_EXECUTOR` (default off), `NOTIFY_DEDICATED_EXECUTORS`,
/// `NOTIFY_PREPARED_STATEMENTS` and `NOTIFY_PREPARED_READS` (default on),
/// `NOTIFY_BENCH_KEEP_DATABASE` (default off; read by ``BenchDatabase`` once a benchmark has
/// run, so checked here before it starts). Each takes true/false,
/// on/off, yes/no or 1/0, as every switch does; any other text stops the command with an error
/// that names the variable, instead of being read as the default.
enum EnvironmentSwitches {
    static let variables = [
        "NOTIFY_NIO_EXECUTOR", "NOTIFY_DEDICATED_EXECUTORS", "NOTIFY_PREPARED_STATEMENTS", "NOTIFY_PREPARED_READS",
        "NOTIFY_BENCH_KEEP_DATABASE",
    ]

    /// Checks every switch and rewrites a valid one as `on` or `off`; the first that is not a
    /// switch stops the process with status 1.
    static func normalize() {
        let environment = ProcessInfo.processInfo.environment
        for variable in variables {
            guard let raw = environment[variable] else { continue }
            guard let value = parse(raw) else {
                fail("\(variable) must be true or false (or on/off); got \"\(raw)\"")
            }
            setenv(variable, value ? "on" : "off", 1)
        }
    }

    /// True or false for the spellings every switch accepts, else nil.
    static func parse(_ raw: String) -> Bool? {
        switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "on", "yes", "1": return true
        case "false", "off", "no", "0": return false
        default: return nil
        }
    }
}
