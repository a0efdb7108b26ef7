import NotifyModel

/// The delivery channel (NIO also exports a `Channel`).
typealias Channel = NotifyModel.Channel
