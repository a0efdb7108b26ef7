import NotifyProviders

extension SendEngine {
    /// Records what a permanent failure means for the recipient's contact point: a device token
    /// to invalidate (unless the app registered it again after the provider's time), or an
    /// address to suppress, each with its timeline event.
    func applyRecipientAction(
        _ failure: ProviderFailure, part: SendPart, delivery: PendingDelivery, ledger: inout SendLedger
    ) {
        switch failure.recipientAction {
        case .none:
            break
        case .invalidateDeviceToken:
            // APNs: a token the app registered again after the time APNs confirmed it invalid is kept.
            if let device = part.device, failure.invalidSince.map({ device.registeredAt <= $0 }) ?? true {
                ledger.invalidatedDevices.append((device.id, failure.code, failure.invalidSince))
                ledger.event(delivery.id, "device_invalidated", ["device": String(device.id), "reason": failure.code])
            }
        case .suppressAddress:
            let address: String?
            switch delivery.contact {
            case .email(let email): address = email
            case .phone(let phone): address = phone
            default: address = nil
            }
            if let address {
                ledger.suppressedHashes.append((hasher.hex(address, channel: ledger.channel), failure.code))
                ledger.event(delivery.id, "suppressed", ["reason": failure.code])
            }
        }
    }
}
