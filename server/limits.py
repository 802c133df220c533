"""Body limits: an ASGI middleware that refuses an oversized body before reading it all.

Uploads (``/api/ingest``, the page's ``/gradio_api/upload``) may be up to
``FOOTNOTE_MAX_UPLOAD_MB``; every other request body (JSON questions, histories, the
page's queue calls) up to ``FOOTNOTE_MAX_BODY_KB``: over it, a 413 at once, from the
``Content-Length`` header or, for a chunked body, as soon as the count passes the limit.
"""

from __future__ import annotations

from server.errors import error_response

UPLOAD_PATHS = ("/api/ingest", "/gradio_api/upload")


class _TooLarge(Exception):
    pass


class UploadLimit:
    """ASGI middleware: refuse a body over its route's limit with 413 before reading it all.

    Args:
        app: the ASGI app.
        limit_bytes: the upload limit (``paths``).
        paths: the upload routes.
        body_limit: the limit of every other route (None: unlimited).
    """

    def __init__(self, app, limit_bytes: int, paths: tuple[str, ...] = UPLOAD_PATHS, body_limit: int | None = None) -> None:
        self.app, self.limit, self.paths, self.body_limit = app, limit_bytes, paths, body_limit

    def _limit(self, path: str) -> tuple[int | None, str]:
        if path.rstrip("/") in self.paths:
            return self.limit, (f"The upload is over the {self.limit / 1e6:g} MB limit (FOOTNOTE_MAX_UPLOAD_MB); "
                                "send fewer or smaller files.")
        if self.body_limit is None:
            return None, ""
        return self.body_limit, (f"The request body is over the {self.body_limit // 1000:,} KB limit "
                                 "(FOOTNOTE_MAX_BODY_KB); send a shorter history or fewer sources.")

    async def __call__(self, scope, receive, send):
        limit, msg = self._limit(scope["path"]) if scope["type"] == "http" else (None, "")
        if limit is None:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        refuse = error_response(413, msg, "request_too_large" if scope["path"].rstrip("/") not in self.paths
                                else "upload_too_large", code="body_too_large")
        if length is not None and length.isdigit() and int(length) > limit:
            return await refuse(scope, receive, send)
        state = {"seen": 0, "too_large": False, "started": False}

        async def counting_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit:
                    state["too_large"] = True
                    raise _TooLarge
            return message

        async def guarded_send(message):
            # once the body is over the limit, whatever the app answers (the form parser
            # turns our exception into a 400) is replaced by the 413
            if state["too_large"]:
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await refuse(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            pass
        if state["too_large"] and not state["started"]:
            await refuse(scope, receive, send)
