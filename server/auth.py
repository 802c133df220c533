"""Credentials and the login: with ``FOOTNOTE_AUTH`` set, every route needs a user.

The API accepts HTTP Basic, ``Authorization: Bearer user:password`` (what OpenAI clients
send as their API key) or the page's login cookie (Gradio's own login sets it).
Failed logins are throttled per client address and per user (``server.throttle``): over
the limit, a 429 with ``Retry-After``, whatever the password.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from fastapi import Request
from starlette.responses import Response

from server.errors import APIError, error_response
from server.throttle import LoginThrottle

LOGIN_REQUIRED = "Login required: send HTTP Basic credentials or 'Authorization: Bearer user:password'."


def parse_auth(raw: str | None) -> dict[str, str]:
    """'user:password,user2:password2' -> {user: password}."""
    users: dict[str, str] = {}
    for pair in (raw or "").split(","):
        if not pair.strip():
            continue
        user, sep, password = pair.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("FOOTNOTE_AUTH must look like 'user:password,user2:password2'")
        users[user] = password
    return users


class Auth:
    """Who is asking: a FastAPI dependency (``require_user``) over the configured users.

    Args:
        users: user -> password (empty: no login, everyone is "anonymous").
    """

    def __init__(self, users: dict[str, str], throttle: LoginThrottle | None = None) -> None:
        self.users = users
        self.throttle = throttle or LoginThrottle()
        self.page: Any = None  # the mounted Gradio app, whose login tokens the API also accepts

    def check(self, user: str, password: str) -> bool:
        """True when ``password`` is ``user``'s (compared in constant time)."""
        expected = self.users.get(user)
        return expected is not None and secrets.compare_digest(expected.encode(), password.encode())

    def _from_header(self, header: str, client: str) -> str | None:
        scheme, _, value = header.partition(" ")
        user, password = "", ""
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
            except Exception:
                user = ""
        elif scheme.lower() == "bearer":
            user, _, password = value.partition(":")
        user = user[:200]
        wait = self.throttle.retry_after(client, user or None)
        if wait is not None:
            raise APIError(429, f"Too many failed logins; try again in {wait} s.", "rate_limited",
                           code="too_many_failed_logins", headers={"Retry-After": str(wait)})
        if user and self.check(user, password):
            return user
        self.throttle.failed(client, user or None)
        return None

    def _from_cookie(self, request: Request) -> str | None:
        page = self.page
        if page is None:
            return None
        for key in (f"access-token-{page.cookie_id}", f"access-token-unsecure-{page.cookie_id}"):
            token = request.cookies.get(key)
            if token and token in page.tokens:
                return page.tokens[token]
        return None

    def current_user(self, request: Request) -> str | None:
        """The signed-in user, or None when the request carries no valid credentials."""
        if not self.users:
            return "anonymous"
        header = request.headers.get("authorization", "")
        if header.partition(" ")[0].lower() in ("basic", "bearer"):
            return self._from_header(header, request.client.host if request.client else "?")
        return self._from_cookie(request)

    def require_user(self, request: Request) -> str:
        """FastAPI dependency: the user, or a 401 that says how to sign in."""
        user = self.current_user(request)
        if user is None:
            raise APIError(401, LOGIN_REQUIRED, "unauthorized")
        return user

    def refusal(self, request: Request) -> Response | None:
        """For ASGI apps mounted beside the API (``/mcp``): None when the request may pass,
        else the API's 401 (the JSON error, ``WWW-Authenticate: Basic``), or the throttle's 429."""
        try:
            if self.current_user(request) is not None:
                return None
        except APIError as e:  # too many failed logins
            return error_response(e.status, e.message, e.kind, e.headers, code=e.code)
        return error_response(401, LOGIN_REQUIRED, "unauthorized", {"WWW-Authenticate": 'Basic realm="Footnote"'})


# What the login form itself needs, so it answers without credentials (each with why it is safe).
PUBLIC_PAGE_PATHS = {
    "/": "the page shell; without a login it holds only the login form",
    "/login": "where the login form posts the credentials",
    "/logout": "signs out: removes the cookie",
    "/favicon.ico": "a static icon", "/robots.txt": "static text", "/manifest.json": "the PWA manifest (no data)",
    "/theme.css": "the theme's CSS", "/gradio_api/theme.css": "the theme's CSS",
}
PUBLIC_PAGE_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")  # the frontend's JS, CSS and icons
API_PREFIXES = ("/api/", "/v1/", "/openapi.json", "/docs")  # refused by ``Auth.require_user`` with the JSON error
API_PATHS = {"/mcp"}  # refused by ``Auth.refusal`` with the JSON error (server.mcp)


class PageLogin:
    """ASGI middleware: with a login configured, every route of the mounted page that is not
    public needs credentials, whatever Gradio itself checks (several of its routes check none)."""

    def __init__(self, app, auth: Auth) -> None:
        self.app, self.auth = app, auth

    def _public(self, path: str) -> bool:
        path = path.rstrip("/") or "/"
        return path in PUBLIC_PAGE_PATHS or path in API_PATHS or path.startswith(PUBLIC_PAGE_PREFIXES + API_PREFIXES)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.auth.users or self._public(scope["path"]):
            return await self.app(scope, receive, send)
        try:
            user = self.auth.current_user(Request(scope))
        except APIError as e:  # too many failed logins: the 429 with Retry-After
            return await error_response(e.status, e.message, e.kind, e.headers, code=e.code)(scope, receive, send)
        if user is None:
            return await error_response(401, "Login required: sign in on the page first.", "unauthorized",
                                        {"WWW-Authenticate": 'Basic realm="Footnote"'})(scope, receive, send)
        return await self.app(scope, receive, send)
