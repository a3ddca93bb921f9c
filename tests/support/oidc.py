"""A real OIDC token endpoint on loopback, for the OAUTHBEARER tests of every role."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


# librdkafka reads ``sub`` and ``exp`` out of the token, so the default answer is a JWT.
TOKEN = {
    "access_token": _unsigned_jwt({"sub": "auditstream", "exp": 4102444800}),
    "expires_in": 3600,
    "token_type": "Bearer",
}


class TokenEndpoint:
    """An OIDC token endpoint on 127.0.0.1 that records each request.

    Append ``(status, json_body)`` to ``answers`` to script the replies (else it answers
    :data:`TOKEN`); each request is recorded as its path, form fields and decoded HTTP
    Basic credentials.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode())
                auth = self.headers.get("Authorization", "")
                endpoint.requests.append(
                    {
                        "path": self.path,
                        "form": {k: v[0] for k, v in form.items()},
                        "basic": base64.b64decode(auth.removeprefix("Basic ")).decode(),
                    }
                )
                status, body = endpoint.answers.pop(0) if endpoint.answers else (200, TOKEN)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/audit/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


CALLBACK_TOKEN = TOKEN["access_token"]
CALLBACK_PATH = "support.oidc:token_callback"
"""The import path of :func:`token_callback`, as the setting names it."""
callback_calls: list[float] = []


def token_callback() -> tuple[str, float]:
    """A token callback as an operator writes one: the token and its expiry in an hour."""
    callback_calls.append(time.time())
    return CALLBACK_TOKEN, time.time() + 3600
