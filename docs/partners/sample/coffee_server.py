"""A partner's own server, the way the quick-start builds it: Python's standard library only.

A coffee chain's back end for its mini-program. It speaks only the documented protocol
(docs/partners/QUICKSTART.md, docs/partners/reference/open-api.md): signed HTTP calls to the
bank's open API, and signed webhooks from it. Run it with

    BANK_URL=http://127.0.0.1:8000 APP_ID=mp... APP_SECRET=sk_... python3 coffee_server.py

It prints `listening on http://127.0.0.1:PORT` (PORT=0, the default, picks a free one) and
serves its mini-program and the bank's webhooks:

    POST /login     {code}                 the code from sa.login()      -> {openid}
    POST /orders    {openid, item}         the price is the menu's       -> {orderId, prepayId, amountFen}
    GET  /orders/ID                        the bank's answer for the order
    POST /refunds   {orderId, amountFen}   a refund of a paid order
    POST /webhook                          the bank's events, verified, each kept once
    GET  /events                           the verified events received so far
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BANK_URL = os.environ.get("BANK_URL", "http://127.0.0.1:8000").rstrip("/")
APP_ID = os.environ.get("APP_ID", "")
APP_SECRET = os.environ.get("APP_SECRET", "")
MENU = {"latte": (1800, "Latte, large"), "espresso": (1200, "Espresso"), "tea": (990, "Jasmine tea")}
WEBHOOK_MAX_AGE_SECONDS = 300  # refuse older deliveries: a replayed one is old

KEY = hashlib.sha256(APP_SECRET.encode()).digest()  # the HMAC key of requests and webhooks alike
_lock = threading.Lock()
_token: dict = {}
events: dict[str, dict] = {}  # event id -> event: deliveries are at least once


def signed(method: str, path: str, body: dict | None = None, *, token: bool = True) -> tuple[int, dict]:
    """One signed open-API call (the string to sign of the open-API reference)."""
    raw = json.dumps(body).encode() if body is not None else b""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    canonical = "\n".join(["SUPERAPP-OPENAPI-V1", method, path, timestamp, nonce, hashlib.sha256(raw).hexdigest()])
    headers = {"X-App-Id": APP_ID, "X-Timestamp": timestamp, "X-Nonce": nonce, "X-Signature-Method": "HMAC-SHA256",
               "X-Signature": hmac.new(KEY, canonical.encode(), hashlib.sha256).hexdigest(),
               "Content-Type": "application/json", "Accept-Language": "en"}
    if token:
        headers["Authorization"] = "Bearer " + access_token()
    if method == "POST":
        headers["Idempotency-Key"] = secrets.token_hex(16)
    request = urllib.request.Request(BANK_URL + path, data=raw if method == "POST" else None, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


def access_token() -> str:
    """The app's access token, fetched with the secret and kept until a minute before it expires."""
    with _lock:
        if _token.get("until", 0) < time.time():
            status, answer = signed("POST", "/openapi/v1/token", {"appSecret": APP_SECRET}, token=False)
            if status != 200:
                raise RuntimeError(f"no access token: {answer}")
            _token.update(value=answer["accessToken"], until=time.time() + answer["expiresIn"] - 60)
        return _token["value"]


def verified_event(headers, body: bytes) -> dict | None:
    """The event, if the signature is the bank's and the delivery is fresh; otherwise None."""
    timestamp = headers.get("X-Superapp-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WEBHOOK_MAX_AGE_SECONDS:
        return None
    expected = "v1=" + hmac.new(KEY, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Superapp-Signature", "")):
        return None
    return json.loads(body)


class Handler(BaseHTTPRequestHandler):
    def answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        if self.path == "/events":
            with _lock:
                return self.answer(200, {"events": sorted(events.values(), key=lambda e: e["createdAt"])})
        if self.path.startswith("/orders/"):
            return self.answer(*signed("GET", "/openapi/v1/orders/" + self.path.removeprefix("/orders/")))
        self.answer(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        if self.path == "/webhook":
            event = verified_event(self.headers, raw)
            if event is None:
                return self.answer(401, {"error": "bad signature or stale timestamp"})
            with _lock:
                events.setdefault(event["id"], event)  # a redelivery is the same event
            return self.answer(200, {"received": event["id"]})
        request = json.loads(raw or b"{}")
        if self.path == "/login":
            status, session = signed("POST", "/openapi/v1/sessions", {"code": request.get("code")})
            # The sessionKey stays here: it never goes back to the mini-program.
            return self.answer(status, {"openid": session["openid"]} if status == 200 else session)
        if self.path == "/orders":
            if request.get("item") not in MENU:
                return self.answer(400, {"error": "no such item"})
            amount, description = MENU[request["item"]]
            order_id = "cafe-" + secrets.token_hex(6)
            status, order = signed("POST", "/openapi/v1/orders", {
                "orderId": order_id, "openid": request.get("openid"), "amountFen": amount,
                "description": description, "expiresInSeconds": 900,
            })
            if status != 201:
                return self.answer(status, order)
            return self.answer(201, {k: order[k] for k in ("orderId", "prepayId", "amountFen", "description")})
        if self.path == "/refunds":
            return self.answer(*signed("POST", f"/openapi/v1/orders/{request.get('orderId')}/refunds",
                                       {"amountFen": request.get("amountFen"), "reason": "customer asked"}))
        self.answer(404, {"error": "not found"})

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
