// Tests for NotifyProviders.
