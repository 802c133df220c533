"""The upload limit: an ASGI middleware that refuses an oversized body before reading it all."""

from __future__ import annotations

from server.errors import error_response


class _TooLarge(Exception):
    pass


class UploadLimit:
    """ASGI middleware: refuse an upload body over the limit with 413 before reading it all."""

    def __init__(self, app, limit_bytes: int, paths: tuple[str, ...] = ("/api/ingest",)) -> None:
        self.app, self.limit, self.paths = app, limit_bytes, paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].rstrip("/") not in self.paths:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        msg = f"The upload is over the {self.limit / 1e6:g} MB limit (FOOTNOTE_MAX_UPLOAD_MB); send fewer or smaller files."
        refuse = error_response(413, msg, "upload_too_large")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await refuse(scope, receive, send)
        state = {"seen": 0, "too_large": False, "started": False}

        async def counting_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > self.limit:
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
