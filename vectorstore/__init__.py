"""The store layer: Chroma passages, the embedding model, the BM25 index beside them."""

from vectorstore.embeddings import Embedder, MiniLMEmbedder, get_embedder
from vectorstore.errors import EmbeddingError, StoreError, StoreUnavailable
from vectorstore.lexical import LexicalIndex, SyncedLexicalIndex, tokenize
from vectorstore.store import ArticleState, Filters, PassageStore

__all__ = [
    "ArticleState", "Embedder", "EmbeddingError", "Filters", "LexicalIndex", "MiniLMEmbedder",
    "PassageStore", "StoreError", "StoreUnavailable", "SyncedLexicalIndex", "get_embedder", "tokenize",
]
