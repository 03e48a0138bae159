"""A stand-in for the GOV.UK Notify API on 127.0.0.1, for tests that use the real client.

It accepts the three "send" endpoints, checks the client's bearer token is a JWT signed
with the service's secret, records every request it accepted, and answers as Notify
does: 201 with the notification's id, or the error status a test asks for.
"""

import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = "8b0b8a3e-1f52-4d6a-9f3c-5c7e0d2a4b61"
SECRET = "3c1a2b4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
API_KEY = f"strikedesk_test-{SERVICE_ID}-{SECRET}"
SEND_PATHS = {
    "/v2/notifications/sms": "sms",
    "/v2/notifications/email": "email",
    "/v2/notifications/letter": "letter",
}


@dataclass
class Received:
    channel: str
    body: dict[str, Any]
    notification_id: str

    @property
    def reference(self) -> str:
        return self.body.get("reference", "")


@dataclass
class FakeNotify:
    """``answers`` is a queue of status codes to give before returning to 201; set
    ``always`` to answer every request with one status."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    always: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def references(self) -> Counter[str]:
        with self.lock:
            return Counter(item.reference for item in self.received)

    def next_status(self) -> int:
        with self.lock:
            if self.always is not None:
                return self.always
            return self.answers.pop(0) if self.answers else 201

    def record(self, item: Received) -> None:
        with self.lock:
            self.received.append(item)


def _handler(fake: FakeNotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            channel = SEND_PATHS.get(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._answer(400, {"status_code": 400, "errors": [{"error": "JSON"}]})
            if channel is None:
                return self._answer(404, {"status_code": 404, "errors": [{"error": "NotFound"}]})
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            except jwt.PyJWTError:
                return self._answer(403, {"status_code": 403, "errors": [{"error": "AuthError"}]})
            if claims.get("iss") != SERVICE_ID:
                return self._answer(403, {"status_code": 403, "errors": [{"error": "AuthError"}]})
            status = fake.next_status()
            if status != 201:
                return self._answer(
                    status,
                    {
                        "status_code": status,
                        "errors": [{"error": "BadRequestError", "message": f"fake {status}"}],
                    },
                )
            notification_id = str(uuid.uuid4())
            fake.record(Received(channel, body, notification_id))
            self._answer(
                201,
                {
                    "id": notification_id,
                    "reference": body.get("reference"),
                    "content": {"body": "..."},
                    "template": {"id": body.get("template_id"), "version": 1, "uri": ""},
                    "uri": f"{fake.base_url}/v2/notifications/{notification_id}",
                },
            )

    return Handler


class RunningFakeNotify:
    """Context manager: start the fake on a free port, stop it afterwards."""

    def __init__(self) -> None:
        self.fake = FakeNotify()
        self.server = ThreadingHTTPServer((self.fake.host, 0), _handler(self.fake))
        self.fake.port = self.server.server_address[1]
        # A short poll, so that stopping the server takes milliseconds, not half a second.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
