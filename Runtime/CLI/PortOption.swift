import ArgumentParser

/// The check of a command's port options: a TCP port is 0 to 65535, and a larger number would
/// otherwise be taken modulo 65536 by the socket layer and listen somewhere unexpected.
enum PortOption {
    /// Throws a validation error naming `option` when `value` is not a TCP port (0: any free port,
    /// where the command allows it).
    static func check(_ option: String, _ value: Int?, allowsAny: Bool = false) throws {
        guard let value else { return }
        let lowest = allowsAny ? 0 : 1
        guard (lowest...65535).contains(value) else {
            throw ValidationError("\(option) must be a TCP port, \(lowest) to 65535; got \(value)")
        }
    }
}
