"""Parses a message with Python's email package and prints what a mail client would see, as JSON.

Usage: parse_mime.py FILE.eml
"""
import json
import sys
from email import policy
from email.parser import BytesParser

raw = open(sys.argv[1], "rb").read()
message = BytesParser(policy=policy.default).parsebytes(raw)

parts = []
defects = [type(d).__name__ for d in message.defects]
for part in message.walk():
    defects += [type(d).__name__ for d in part.defects]
    if part.is_multipart():
        continue
    parts.append(
        {
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "content": part.get_content(),
        }
    )

lines = raw.split(b"\r\n")
sender = message["From"].addresses[0]
recipient = message["To"].addresses[0]
print(
    json.dumps(
        {
            "subject": str(message["Subject"]),
            "from_name": sender.display_name,
            "from_address": sender.addr_spec,
            "to_name": recipient.display_name,
            "to_address": recipient.addr_spec,
            "message_id": str(message["Message-ID"]),
            "date_valid": message["Date"] is not None and message["Date"].datetime is not None,
            "mime_version": str(message["MIME-Version"]),
            "content_type": message.get_content_type(),
            "list_unsubscribe": str(message["List-Unsubscribe"]) if message["List-Unsubscribe"] else None,
            "list_unsubscribe_post": str(message["List-Unsubscribe-Post"]) if message["List-Unsubscribe-Post"] else None,
            "parts": parts,
            "defects": defects,
            "longest_line": max(len(line) for line in lines),
            "bare_line_feeds": any(b"\n" in line or b"\r" in line for line in lines),
        }
    )
)
