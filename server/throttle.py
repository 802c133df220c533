"""Failed-login throttling with ``limits`` (the library under slowapi): a moving window per
client address and per user name. Over either limit, every login attempt of that client
or for that user is answered 429 with ``Retry-After`` until the window has room again,
whether the password is right or not (otherwise the 429 would confirm a guess).

Concession: the per-user limit lets a stranger who can reach the server lock a user out
for one window; it is the price of stopping a slow guess spread over many addresses.
Counts live in memory: one process, reset on restart.
"""

from __future__ import annotations

import math
import time

from limits import parse, storage, strategies


class LoginThrottle:
    """Counts failed logins; says how long a client or user must wait.

    Args:
        per_client: e.g. "10/minute": failed logins one client address may make.
        per_user: e.g. "20/minute": failed logins for one user name, from anywhere.
    """

    def __init__(self, per_client: str = "10/minute", per_user: str = "20/minute") -> None:
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self.per_client, self.per_user = parse(per_client), parse(per_user)

    def _keys(self, client: str, user: str | None):
        yield self.per_client, ("client", client)
        if user:
            yield self.per_user, ("user", user)

    def retry_after(self, client: str, user: str | None) -> int | None:
        """Seconds until ``client`` (and ``user``) may try again, or None when they may now."""
        waits = []
        for limit, key in self._keys(client, user):
            if not self.limiter.test(limit, "login", *key):
                reset = self.limiter.get_window_stats(limit, "login", *key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def failed(self, client: str, user: str | None) -> None:
        """Count one failed login of ``client`` for ``user``."""
        for limit, key in self._keys(client, user):
            self.limiter.hit(limit, "login", *key)


class PageLoginThrottle:
    """ASGI middleware: the same throttle for the page's login form (Gradio's ``POST /login``),
    which the API's auth dependency never sees. Counts a failure when Gradio refuses."""

    def __init__(self, app, throttle: LoginThrottle, paths: tuple[str, ...] = ("/login", "/login/")) -> None:
        self.app, self.throttle, self.paths = app, throttle, paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            return await self.app(scope, receive, send)
        from urllib.parse import parse_qs

        from server.errors import error_response

        body, more = b"", True
        while more and len(body) <= 65_536:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        user = (parse_qs(body.decode("utf-8", "replace")).get("username") or [""])[0].strip()[:200] or None
        client = scope["client"][0] if scope.get("client") else "?"
        wait = self.throttle.retry_after(client, user)
        if wait is not None:
            refuse = error_response(429, f"Too many failed logins; try again in {wait} s.", "rate_limited",
                                    {"Retry-After": str(wait)}, code="too_many_failed_logins")
            return await refuse(scope, receive, send)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        async def watch(message):
            if message["type"] == "http.response.start" and message["status"] != 200:
                self.throttle.failed(client, user)
            await send(message)

        await self.app(scope, replay, watch)
