// Tests for NotifySMTP (the suites arrive with the SMTP work).
