import Logging
import PostgresNIO

extension FunctionOutput {
    /// Runs the writes of `outputs` on `connection` (inside the caller's transaction): each
    /// output's writes in order and, where some are mergeable, the n-th writes of all outputs
    /// together, one statement per mergeable statement (see ``MergeableWrite``).
    public static func runWrites(
        of outputs: [FunctionOutput], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard outputs.count > 1, outputs.contains(where: { !$0.mergeable.isEmpty }) else {
            for output in outputs {
                for index in output.writes.indices {
                    try await AutoPreparedStatement.run(output.runnableWrite(at: index), on: connection, logger: logger)
                }
            }
            return
        }
        let rounds = outputs.lazy.map(\.writes.count).max() ?? 0
        for round in 0..<rounds {
            var merged: [String: [MergeableWrite]] = [:]
            var statements: [String] = []
            for output in outputs where round < output.writes.count {
                guard let write = output.mergeableWrite(at: round) else {
                    try await AutoPreparedStatement.run(output.writes[round], on: connection, logger: logger)
                    continue
                }
                if merged[write.sql] == nil { statements.append(write.sql) }
                merged[write.sql, default: []].append(write)
            }
            for sql in statements {
                let writes = merged[sql]!
                if let one = MergeableWrite.merged(writes) {
                    try await AutoPreparedStatement.run(one.query, on: connection, logger: logger)
                } else {
                    for write in writes {
                        try await AutoPreparedStatement.run(write.query, on: connection, logger: logger)
                    }
                }
            }
        }
    }
}
