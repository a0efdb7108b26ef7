/// Whether a category's messages are transactional (receipts, passcodes) or marketing. Marketing
/// email carries one-click unsubscribe headers; marketing sends honour every opt-out.
public enum CategoryKind: String, Codable, Sendable, CaseIterable, Hashable {
    case transactional
    case marketing
}

/// What to do when a send's outcome is unknown (the request went out, no answer came back).
public enum UnknownOutcomePolicy: String, Codable, Sendable, CaseIterable, Hashable {
    /// Send again: a possible duplicate is better than a lost message (one-time passcodes).
    case retry
    /// Do not send again: a possible loss is better than a duplicate (marketing).
    case giveUp = "give_up"
}

/// What to do when a user's frequency cap for a category is reached.
public enum FrequencyCapAction: String, Codable, Sendable, CaseIterable, Hashable {
    /// Hold the delivery until the cap's window allows it.
    case `defer`
    /// Drop the delivery with reason `frequency_capped`.
    case drop
    /// Collect the delivery into the user's digest for the category (see ``DigestSettings``).
    case digest
}
