"""The HTTP API's request and response models (they are the OpenAPI schema) and its error shape."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from footnote.records import AnswerCandidate, Citation

MODEL_ID = "footnote"


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant", "system"]
    content: str


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far and filters."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"question": "Who denied the reports?", "top_k": 5}]})

    question: str = Field(..., description="The question (at most FOOTNOTE_MAX_QUESTION_CHARS characters).")
    history: list[Turn] | None = Field(None, description="Earlier turns, oldest first, for follow-up questions.")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages given to the answerer (default FOOTNOTE_TOP_K).")
    sources: list[str] | None = Field(None, description="Only passages from these sources.")
    date_from: date | None = Field(None, description="Only articles published on or after this date.")
    date_to: date | None = Field(None, description="Only articles published on or before this date.")
    answerer: Literal["llm", "extractive"] | None = Field(None, description="Force the LLM or the offline answerer.")
    as_of: date | None = Field(None, description="The day the question is asked on ('this weekend' is read against it; default today).")
    conversation_id: str | None = Field(
        None, description="A saved conversation (POST /api/conversations): its turns are the history, and this turn is added to it.")


class AnswerOut(BaseModel):
    """An answer with inline [n] markers; citations[i] is passage n = i + 1."""

    answer: str
    short_answer: str | None = Field(
        None, description="The answer phrase of the asked type (a person, number, date, place ...), shown first; null when none was found."
    )
    candidates: list[AnswerCandidate] = Field(
        default_factory=list, description="Distinct answers different articles give (an ambiguous question), best first; n is the citation."
    )
    refused: bool = Field(..., description="True when the articles do not hold the answer (a refusal may cite the closest article).")
    citations: list[Citation]
    question: str
    standalone_question: str
    answerer: str
    notice: str
    supported_sentences: int
    total_sentences: int
    timings: dict[str, float]
    as_of: str = Field("", description="Date of the newest cited article (ISO); '' when none is dated.")
    newer: Citation | None = Field(None, description="A newer uncited passage that scored close (its n follows the citations).")
    disputed: bool = Field(False, description="True when passages of another story give a different answer.")
    disputed_by: list[Citation] = Field(default_factory=list, description="Those passages, numbered after the citations.")
    support_outlets: list[str] = Field(default_factory=list, description="Independent outlets carrying the claim (wire copies once).")
    asked_as_of: str = Field("", description="The day the question was read against (the request's as_of, default today).")
    conversation_id: str | None = Field(None, description="The conversation this turn was saved in, if any.")
    turn_id: int | None = Field(None, description="The saved turn's id (for POST /api/feedback).")


class IngestFailureOut(BaseModel):
    item: str = Field(..., description="The file (and line) that failed.")
    reason: str


class IngestOut(BaseModel):
    """The summary of an upload, as ``python -m ingest`` prints it."""

    added: int
    updated: int
    unchanged: int
    removed: int
    failed: list[IngestFailureOut]
    skipped: int
    skipped_items: list[IngestFailureOut] = Field(default_factory=list, description="Skipped items worth naming (links out of a folder).")
    conflicts: list[str] = Field(default_factory=list, description="Ids refused: they belong to another origin's article.")
    chunks_written: int
    seconds: float


class HealthOut(BaseModel):
    status: Literal["ok"]
    store: str = Field(..., description="Where the store lives (folder or Chroma server URL).")
    articles: int
    passages: int
    model: str = Field(..., description="The answerer in use.")
    llm_configured: bool


class ErrorBody(BaseModel):
    message: str = Field(..., description="What went wrong and what to do next.")
    type: str
    status: int
    code: str | None = Field(None, description="A machine-readable reason (OpenAI's error code), when there is one.")
    param: str | None = Field(None, description="The request field at fault, when there is one.")


class ErrorOut(BaseModel):
    """Every error the API answers: ``{"error": {"message", "type", "status", "code", "param"}}``."""

    error: ErrorBody


class ChatContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = "text"
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ChatContentPart] | None = None

    def plain(self) -> str:
        """The message's text (text parts joined)."""
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = Field(False, description="Send a last chunk with the usage (and no choices).")


class ChatCompletionRequest(BaseModel):
    """OpenAI chat completions request; Footnote's own options ride along (``extra_body``)."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=50)
    sources: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    answerer: Literal["llm", "extractive"] | None = None
    n: int | None = Field(None, description="Choices to generate: only 1 is supported.")
    max_tokens: int | None = Field(None, ge=1, description="Most tokens in the reply (MiniLM WordPiece tokens); then finish_reason 'length'.")
    max_completion_tokens: int | None = Field(None, ge=1, description="As max_tokens (OpenAI's newer name).")
    stream_options: StreamOptions | None = None


class URLCitation(BaseModel):
    url: str = Field(..., description="The cited article's URL ('' when it has none).")
    title: str
    start_index: int = Field(..., description="Where its [n] marker starts in the content.")
    end_index: int


class Annotation(BaseModel):
    """OpenAI's annotation: a [n] marker of the content and the article it cites."""

    type: Literal["url_citation"] = "url_citation"
    url_citation: URLCitation


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    annotations: list[Annotation] = Field(default_factory=list)


class CompletionChoice(BaseModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop", "length"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletionOut(BaseModel):
    """An OpenAI chat completion; ``citations`` (passage n = citations[n-1]) and ``refused`` are Footnote's."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage
    citations: list[Citation]
    refused: bool


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "footnote"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Empty, oversized or malformed question or request"},
    401: {"model": ErrorOut, "description": "Login required (FOOTNOTE_AUTH is set)"},
    403: {"model": ErrorOut, "description": "A cross-site request that would change data"},
    421: {"model": ErrorOut, "description": "A Host header this server does not answer for (FOOTNOTE_ALLOWED_HOSTS)"},
    413: {"model": ErrorOut, "description": "Request body over FOOTNOTE_MAX_BODY_KB (uploads: FOOTNOTE_MAX_UPLOAD_MB)"},
    429: {"model": ErrorOut, "description": "Too many failed logins; retry after the Retry-After header's seconds"},
    503: {"model": ErrorOut, "description": "The store is unreachable"},
}


class ConversationIn(BaseModel):
    """A new conversation, or a new title for one."""

    title: str = Field(..., min_length=1, max_length=500)


class TurnOut(BaseModel):
    id: int
    question: str
    answer: dict[str, Any] = Field(..., description="The answer as POST /api/ask returned it, with its citations.")
    options: dict[str, Any]
    created: float


class ConversationOut(BaseModel):
    id: str
    title: str
    created: str
    updated: str
    turns: list[TurnOut] = Field(default_factory=list, description="Oldest first; empty in listings.")


class ConversationList(BaseModel):
    conversations: list[ConversationOut]


class FeedbackIn(BaseModel):
    """A thumbs up (1) or down (-1) on an answer, with an optional note (e.g. the right answer)."""

    rating: Literal[1, -1]
    note: str = Field("", max_length=2000)
    conversation_id: str | None = None
    turn_id: int | None = Field(None, description="A saved turn: the question, answer and options are taken from it.")
    question: str | None = Field(None, description="Without a turn: the question rated.")
    answer: dict[str, Any] | None = Field(None, description="Without a turn: the answer as POST /api/ask returned it.")


class FeedbackOut(BaseModel):
    id: int


class ArticleOut(BaseModel):
    id: str
    title: str
    source: str
    url: str
    date: str
    passages: int


class ArticleListOut(BaseModel):
    articles: list[ArticleOut]
    total: int
    offset: int


class ArticlePassageOut(BaseModel):
    id: str
    position: int
    text: str


class ArticleTextOut(ArticleOut):
    text: str = Field(..., description="The cleaned text as stored, rebuilt from its passages.")
    passages: list[ArticlePassageOut]


class DeletedOut(BaseModel):
    deleted: bool = True
    passages: int = 0
