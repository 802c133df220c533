"""Errors of the store layer; callers translate them at the edge (CLI exit code, HTTP 503)."""


class StoreError(Exception):
    """The vector store cannot be reached or refused an operation."""


class StoreUnavailable(StoreError):
    """The Chroma server (or the store folder) is unreachable; retry when it is back."""


class EmbeddingError(StoreError):
    """The embedding model is missing or failed."""
