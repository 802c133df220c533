"""Footnote's HTTP side: the Service the page and the API share, the API routers, auth.

FastAPI lives here (and in ``app.py``, which composes the app); the page is in ``ui/``.
"""
