/// Serves `requests` with one call of `serve`; should that call throw for more than one request,
/// serves each request alone, so that one request that cannot be served (a row the database
/// refuses) holds no other back: it gets its own failure, the others their answers.
///
/// For the fetch of a ``Coalescer`` whose batch is one transaction.
public func servedTogetherOrEachAlone<Request, Value>(
    _ requests: [Request], _ serve: ([Request]) async throws -> [Result<Value, any Error>]
) async throws -> [Result<Value, any Error>] {
    do {
        return try await serve(requests)
    } catch  where requests.count > 1 {
        var results: [Result<Value, any Error>] = []
        for request in requests {
            do {
                results += try await serve([request])
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }
}
