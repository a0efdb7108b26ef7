// Tests for NotifySMTP.
