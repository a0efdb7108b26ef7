// Tests for NotifySandbox.
