// NotifySMTP: an SMTP client (submission with STARTTLS, AUTH, pipelining, MIME) and a recording SMTP server for the provider sandbox, on swift-nio.
