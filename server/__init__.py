"""Footnote's HTTP side: the Service the page and the API share, the API routers, auth,
and the MCP server (``server.mcp``: the same answers as tools for agents, at ``/mcp`` and over stdio).

FastAPI lives here (and in ``app.py``, which composes the app); the page is in ``ui/``.
"""
