extension DigestSettings {
    /// Checks that a category's digest and its frequency-cap action agree: a cap action of
    /// `digest` needs a digest in `over_cap` mode, and an `over_cap` digest needs that cap action.
    /// Throws `digest_cap_mismatch`.
    public static func check(_ digest: DigestSettings?, capAction: FrequencyCapAction) throws(ModelError) {
        if capAction == .digest, digest?.mode != .overCap {
            throw ModelError(
                code: "digest_cap_mismatch",
                "cap_action \"digest\" collects deliveries over the frequency cap into a digest; add \"digest\": {\"mode\": \"over_cap\", …} to the category, or use cap_action \"defer\" or \"drop\""
            )
        }
        if let digest, digest.mode == .overCap, capAction != .digest {
            throw ModelError(
                code: "digest_cap_mismatch",
                "a digest with mode \"over_cap\" collects deliveries over the frequency cap; set \"cap_action\": \"digest\", or use mode \"always\""
            )
        }
    }
}
