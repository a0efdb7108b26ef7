extension Duration {
    /// The duration in seconds, with its fraction (SQL intervals and `Date` offsets take seconds).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
