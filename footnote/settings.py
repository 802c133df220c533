"""One settings object, read from the environment (``FOOTNOTE_*``) and an optional ``.env``.

Build it once, ``Settings()``, where a program starts (``app.main``, ``python -m ingest``,
``python -m eval``; ``Settings(...)`` in tests) and pass it down through constructors;
nothing else in the project reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLE = PROJECT_DIR / "samples" / "russia-denies-north-korean-troops.txt"


# The store models chosen for ingest speed: answers still read with the default model.
FAST_MODELS = ("minilm-l3", "paraphrase-MiniLM-L3-v2")


class Settings(BaseSettings):
    """Every knob of Footnote. Environment variables are ``FOOTNOTE_<NAME>`` unless noted."""

    model_config = SettingsConfigDict(
        env_prefix="FOOTNOTE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- store -------------------------------------------------------------------------
    store_dir: Path = Field(Path(".footnote/store"), description="Folder of the embedded Chroma store and the BM25 index.")
    collection: str = Field("footnote", description="Chroma collection name.")
    chroma_host: str | None = Field(None, description="Chroma server host; set it to use client-server mode (HttpClient).")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    chroma_token: SecretStr | None = Field(None, description="Bearer token for the Chroma server, if it requires one.")

    # --- embeddings --------------------------------------------------------------------
    embedding_model: str = Field(
        "minilm",
        description=(
            "'minilm' (offline all-MiniLM-L6-v2 shipped in PyPI packages), 'minilm-l3' (offline "
            "paraphrase-MiniLM-L3-v2: about 3x faster ingest, a little less recall), "
            "'fastembed:<model name>' or 'openai:<model name>' (need internet)."
        ),
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024, description="Texts per embedding forward pass.")
    embedding_threads: int = Field(0, ge=0, description="onnxruntime intra-op threads (0: one per core).")
    sentence_vectors: bool | None = Field(
        None,
        description=(
            "Embed each passage's sentences at ingest, so that answers look them up instead of "
            "embedding them (about half an answer's time). Default: on, except with the "
            "'minilm-l3' store model, which is chosen for ingest speed."
        ),
    )

    # --- chunking ----------------------------------------------------------------------
    chunk_size: int = Field(1000, ge=100, le=20000, description="Target passage size in characters (sentences kept whole).")
    chunk_overlap: int = Field(150, ge=0, description="Characters shared by neighbouring passages.")
    max_file_mb: float = Field(50.0, gt=0, description="Largest file ingest accepts, in MB.")
    max_article_chars: int = Field(
        2_000_000, ge=1000, description="Longest article text ingest accepts (characters); longer is refused, not cut."
    )
    ingest_flush_passages: int = Field(
        512, ge=1, le=4096, description="Passages embedded and written per buffer; a crash loses at most one buffer's work."
    )

    # --- feeds -------------------------------------------------------------------------
    feed_host_delay: float = Field(1.0, ge=0, description="Seconds between two requests to the same host when reading feeds.")
    feed_timeout: float = Field(20.0, gt=0, description="Seconds before a feed or article page request is abandoned.")

    # --- near-duplicates (wire copies, updated versions) ------------------------------------
    dedup_threshold: float = Field(
        0.3, gt=0, le=1, description="Least estimated Jaccard similarity (word 5-shingles, MinHash) for two articles to be one story."
    )
    dedup_days: int = Field(14, ge=0, description="Dated articles further apart than this many days are never grouped.")

    # --- retrieval ---------------------------------------------------------------------
    top_k: int = Field(5, ge=1, le=50, description="Passages shown to the answerer and cited.")
    candidates: int = Field(50, ge=1, le=500, description="Candidates fetched from each retriever before fusion.")
    retrieval_mode: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Which retrievers to use.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense (cosine) side in fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 side in fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    fusion: Literal["convex", "rrf"] = Field(
        "convex",
        description="How hybrid mode fuses dense and BM25: 'convex' (weighted cosine + BM25/best BM25) or 'rrf' (ranks).",
    )
    max_per_article: int = Field(2, ge=1, description="Most passages of one article among the top k.")
    article_support: float = Field(
        0.15, ge=0, description="Share of the best score of another passage of the same article added to a passage's score."
    )
    date_window_weight: float = Field(
        0.6, ge=0, le=1, description="Most a passage's score drops for lying far outside a date phrase's window ('this week')."
    )
    recency_weight: float = Field(
        0.4, ge=0, le=1, description="Most a passage's score drops for being old news when the question names no period (0: off)."
    )
    recent_days: int = Field(7, ge=0, description="Days before 'today' that count as recent news for the recency preference.")
    date_scale_days: int = Field(30, ge=1, description="Days outside the preferred dates at which the date penalty is full.")
    rerank: Literal["off", "llm"] = Field(
        "off", description="Rerank the fused passages: 'llm' asks the configured LLM (slow; needs an LLM), 'off' does not."
    )
    rerank_candidates: int = Field(10, ge=1, le=50, description="Passages the reranker sees (and may reorder).")
    min_relevance: float = Field(0.15, description="Below this relevance (0..1) nothing counts as found; the answer says so.")
    extractive_min_score: float = Field(
        0.6, ge=0, description="The offline answerer refuses when its best sentence scores below this (coverage, answer type, meaning; 0.6 chosen on the tune half)."
    )

    # --- answering ---------------------------------------------------------------------
    answerer: Literal["auto", "llm", "extractive"] = Field(
        "auto", description="'auto' uses the LLM when one is configured, else the offline extractive answerer."
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "FOOTNOTE_OPENAI_API_KEY"),
        description="OpenAI API key (env OPENAI_API_KEY).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "FOOTNOTE_OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (env OPENAI_BASE_URL).",
    )
    model: str = Field("gpt-4o-mini", description="Chat model name for the LLM answerer.")
    temperature: float = Field(0.0, ge=0, le=2, description="LLM sampling temperature.")
    max_tokens: int = Field(400, ge=16, description="Most tokens in an LLM answer.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds before an LLM request is abandoned.")
    llm_retries: int = Field(2, ge=0, le=10, description="Retries (with backoff) after a timeout, 429 or 5xx.")
    support_threshold: float = Field(0.5, ge=0, le=1, description="Least support score for a cited sentence to count as supported.")

    # --- app ---------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the page and HTTP API bind to.")
    port: int = Field(7860, description="Port of the page and HTTP API.")
    auth: SecretStr | None = Field(None, description="'user:password,user2:password2' turns on login for the page and API.")
    max_question_chars: int = Field(4000, ge=1, description="Longest question accepted.")
    max_history_turns: int = Field(50, ge=0, description="Most earlier turns a request may send as history.")
    max_history_chars: int = Field(
        20_000, ge=0, description="Most characters of history (all turns together) a request may send."
    )
    max_sources: int = Field(1000, ge=1, description="Most source names one request may filter on.")
    max_upload_mb: float = Field(20.0, gt=0, description="Largest upload accepted by the page and API, in MB.")
    max_body_kb: int = Field(
        1024, ge=16, description="Largest request body of every route but uploads, in KB (over it: 413 at once)."
    )
    allowed_hosts: str = Field(
        "",
        description=(
            "Host names the server answers besides the loopback names (comma-separated, '*' for any); "
            "other Host headers get a 400 (DNS rebinding)."
        ),
    )
    login_failures_per_client: str = Field(
        "10/minute", description="Failed logins one client address may make (a 'limits' rate string); then 429."
    )
    login_failures_per_user: str = Field(
        "20/minute", description="Failed logins for one user name from anywhere (a 'limits' rate string); then 429."
    )
    ingest_sample: bool = Field(True, description="On first start with an empty store, ingest the sample article.")
    concurrency: int = Field(8, ge=1, description="Requests answered at once by the page's queue.")
    database: Path | None = Field(
        None, description="SQLite file of saved conversations and feedback (default: footnote.db beside the store)."
    )

    @property
    def llm_configured(self) -> bool:
        """True when an API key or a base URL points at an LLM."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def use_llm(self) -> bool:
        """Whether answers go through the LLM by default."""
        if self.answerer == "llm":
            return True
        return self.answerer == "auto" and self.llm_configured

    @property
    def database_path(self) -> Path:
        """The conversations and feedback database (``database``, else ``store_dir/footnote.db``)."""
        return self.database or self.store_dir / "footnote.db"

    @property
    def sentence_vectors_on(self) -> bool:
        """Whether ingest writes sentence vectors (``sentence_vectors``, else its default)."""
        if self.sentence_vectors is not None:
            return self.sentence_vectors
        return self.embedding_model not in FAST_MODELS

    @property
    def bm25_dir(self) -> Path:
        """Where the BM25 index is persisted (beside the embedded store)."""
        return self.store_dir / f"bm25-{self.collection}"

