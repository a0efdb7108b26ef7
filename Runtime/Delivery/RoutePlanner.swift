/// Orders a route's candidates for one batch: by position, and within a position by a weighted
/// random draw, so accounts sharing a position split traffic by weight across batches.
public enum RoutePlanner {
    /// The order in which to try the candidates.
    public static func order<G: RandomNumberGenerator>(
        _ candidates: [RouteCandidate], using generator: inout G
    ) -> [RouteCandidate] {
        // Runs of one position, each by account. A position held by one account needs no draw: the
        // usual ordered list (primary, then fallback) costs no random numbers.
        guard candidates.count > 1 else { return candidates }
        let sorted = candidates.sorted { ($0.position, $0.accountID) < ($1.position, $1.accountID) }
        if zip(sorted, sorted.dropFirst()).allSatisfy({ $0.position != $1.position }) { return sorted }
        var ordered: [RouteCandidate] = []
        ordered.reserveCapacity(sorted.count)
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count, sorted[end].position == sorted[start].position { end += 1 }
            guard end - start > 1 else {
                ordered.append(sorted[start])
                start = end
                continue
            }
            var remaining = Array(sorted[start..<end])
            while !remaining.isEmpty {
                let total = remaining.reduce(0) { $0 + max($1.weight, 0) }
                var index = 0
                if total > 0 {
                    var draw = Int.random(in: 0..<total, using: &generator)
                    for (candidateIndex, candidate) in remaining.enumerated() {
                        draw -= max(candidate.weight, 0)
                        if draw < 0 {
                            index = candidateIndex
                            break
                        }
                    }
                }
                ordered.append(remaining.remove(at: index))
            }
            start = end
        }
        return ordered
    }

    /// ``order(_:using:)`` with the system random number generator.
    public static func order(_ candidates: [RouteCandidate]) -> [RouteCandidate] {
        var generator = SystemRandomNumberGenerator()
        return order(candidates, using: &generator)
    }
}
