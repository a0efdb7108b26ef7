"""A real SMTP server (aiosmtpd) for the NotifySMTP tests.

Usage: smtp_sink.py OUT_DIR [CERT_PEM KEY_PEM]
Binds 127.0.0.1 on a free port and prints "READY <port>". Each accepted message is written to
OUT_DIR/<n>.eml exactly as received (dot-unstuffed) and announced as "RECEIVED <json>".
AUTH PLAIN/LOGIN accepts py-user / py-secret. With a certificate, STARTTLS is offered and required.
"""
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

OUT_DIR = sys.argv[1]
TLS = None
if len(sys.argv) >= 4:
    TLS = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    TLS.load_cert_chain(sys.argv[2], sys.argv[3])


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(OUT_DIR, f"{self.count}.eml")
        with open(path, "wb") as handle:
            handle.write(envelope.original_content)
        auth = getattr(session, "auth_data", None)
        login = auth.decode() if isinstance(auth, bytes) else None
        meta = {
            "path": path,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": login,
            "tls": session.ssl is not None,
        }
        print("RECEIVED " + json.dumps(meta), flush=True)
        return f"250 2.0.0 Ok: queued as PY{self.count}"


def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login == b"py-user" and auth_data.password == b"py-secret":
        return AuthResult(success=True, auth_data=auth_data.login)
    return AuthResult(success=False, handled=False)


async def main():
    loop = asyncio.get_running_loop()
    # The test runner may spawn us with SIGTERM blocked; make sure it stops us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    handler = Handler()

    def factory():
        return SMTP(
            handler,
            hostname="aiosmtpd.test",
            decode_data=False,
            authenticator=authenticator,
            auth_require_tls=TLS is not None,
            tls_context=TLS,
            require_starttls=TLS is not None,
        )

    server = await loop.create_server(factory, "127.0.0.1", 0)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()


asyncio.run(main())
