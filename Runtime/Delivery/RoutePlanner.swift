/// Orders a route's candidates for one batch: by position, and within a position by a weighted
/// random draw, so accounts sharing a position split traffic by weight across batches.
public enum RoutePlanner {
    /// The order in which to try the candidates.
    public static func order<G: RandomNumberGenerator>(
        _ candidates: [RouteCandidate], using generator: inout G
    ) -> [RouteCandidate] {
        let positions = Dictionary(grouping: candidates, by: \.position).sorted { $0.key < $1.key }
        var ordered: [RouteCandidate] = []
        for (_, group) in positions {
            var remaining = group.sorted { $0.accountID < $1.accountID }
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
        }
        return ordered
    }

    /// ``order(_:using:)`` with the system random number generator.
    public static func order(_ candidates: [RouteCandidate]) -> [RouteCandidate] {
        var generator = SystemRandomNumberGenerator()
        return order(candidates, using: &generator)
    }
}
