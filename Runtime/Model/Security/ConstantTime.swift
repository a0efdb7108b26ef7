/// Comparisons whose running time does not depend on where two byte strings differ, so an
/// attacker timing responses cannot learn a secret byte by byte. (swift-crypto's own
/// `safeCompare` is internal to that package.)
enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes. Only the lengths leak through timing; the
    /// contents do not.
    static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
