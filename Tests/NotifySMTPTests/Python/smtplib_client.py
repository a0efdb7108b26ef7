"""Sends through the notify recording server with Python's smtplib, a client this project did not write.

Usage: smtplib_client.py PORT
Logs in as app/pw, sends one message to two recipients (one refused by the test's fault rule)
and prints JSON with the refused recipients.

Usage: smtplib_client.py PORT rfc-plain
Sends RFC 4616's example AUTH PLAIN response (authzid "test", user "test", password "1234") and
prints JSON with the reply code.
"""
import json
import smtplib
import sys

message = (
    "From: Py <py@client.test>\r\n"
    "To: ok@example.net\r\n"
    "Subject: from smtplib\r\n"
    "\r\n"
    ".a line starting with a dot\r\n"
    "..two dots\r\n"
    "end\r\n"
)
if sys.argv[2:] == ["rfc-plain"]:
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as client:
        client.ehlo("smtplib.test")
        code, _ = client.docmd("AUTH", "PLAIN dGVzdAB0ZXN0ADEyMzQ=")
    print(json.dumps({"auth": code}))
    sys.exit(0)

with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as client:
    client.ehlo("smtplib.test")
    client.login("app", "pw")
    refused = client.sendmail("py@client.test", ["ok@example.net", "bad@example.net"], message)
    code, _ = client.noop()
print(json.dumps({"refused": {k: v[0] for k, v in refused.items()}, "noop": code}))
