/// JSON values, their parser and string quoting live in `NotifyJSON`, below both this module and
/// the provider clients; every user of the model sees them as before.
@_exported import NotifyJSON
