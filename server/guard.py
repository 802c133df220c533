"""The request guard: an ASGI middleware in front of the API and the page.

* **Host allow-list.** Only the names the server is configured for are answered (the
  loopback names by default, more with ``FOOTNOTE_ALLOWED_HOSTS``), so a DNS-rebinding
  page (``Host: evil.example`` resolving to 127.0.0.1) gets a 421 (Misdirected Request, as
  the MCP SDK answers), not answers.
* **Cross-site refusal.** A state-changing request (POST, PUT, PATCH, DELETE) that a
  browser marks as coming from another site (``Sec-Fetch-Site: cross-site|same-site``,
  or an ``Origin`` that is not this server) is refused with 403. A multipart upload needs
  no CORS preflight, so without this any page the user visits could add articles.
  Clients that are not browsers (curl, the OpenAI SDK) send neither header and pass.

Concession: a browser that sends neither header on a cross-site POST (none current does)
is not caught here; the login (``FOOTNOTE_AUTH``) is the next line.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from server.errors import error_response

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def allowed_host_names(extra: str = "", bind_host: str = "") -> set[str]:
    """The host names served: loopback, ``extra`` (comma-separated; ``*`` for any), the bind address."""
    names = set(LOOPBACK_NAMES)
    names |= {h.strip().lower().strip("[]") for h in extra.split(",") if h.strip()}
    if bind_host and bind_host not in ("0.0.0.0", "::"):
        names.add(bind_host.lower().strip("[]"))
    return names


def split_host(value: str) -> tuple[str, int | None]:
    """('name', port or None) of a Host header value or an Origin's netloc; IPv6 brackets removed."""
    try:
        parts = urlsplit(f"//{value}")
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


def same_origin(origin: str, host: str) -> bool:
    """Whether a browser's ``Origin`` names this server as the ``Host`` header does. A Host
    without a port (behind a TLS proxy) matches the origin's name on any port."""
    if origin == "null":
        return False
    try:
        o = urlsplit(origin)
        o_port = o.port or DEFAULT_PORTS.get(o.scheme)
    except ValueError:
        return False
    name, port = split_host(host)
    return bool(o.hostname) and o.hostname.lower() == name and (port is None or port == o_port)


class RequestGuard:
    """ASGI middleware: Host allow-list for every request, cross-site refusal for writes.

    Args:
        app: the ASGI app.
        allowed_hosts: host names answered (``*`` among them: any).
    """

    def __init__(self, app, allowed_hosts: set[str]) -> None:
        self.app, self.allowed = app, allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        refusal = self.refusal(scope, headers)
        if refusal is None:
            return await self.app(scope, receive, send)
        status, message, kind = refusal
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        return await error_response(status, message, kind)(scope, receive, send)

    def refusal(self, scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """(status, message, type) when the request is refused, else None."""
        host = headers.get("host", "")
        name, _port = split_host(host)
        if host and "*" not in self.allowed and name not in self.allowed:
            return (421, f"This server does not answer for the host {name or host!r}; "
                    "add it to FOOTNOTE_ALLOWED_HOSTS if it is meant to.", "invalid_host")
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            return None
        site = headers.get("sec-fetch-site", "").lower()
        if site in ("cross-site", "same-site"):
            return 403, "Cross-site request refused: this page may not change Footnote's data.", "cross_site_refused"
        origin = headers.get("origin")
        if origin is not None and site not in ("same-origin", "none") and not same_origin(origin, host):
            return 403, f"Cross-site request refused: origin {origin[:200]!r} is not this server.", "cross_site_refused"
        return None
