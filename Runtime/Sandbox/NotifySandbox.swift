// NotifySandbox: a loopback server that speaks each provider's real protocol, records what it receives, injects faults and sends signed callbacks.
