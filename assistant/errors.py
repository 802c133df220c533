"""Errors the assistant raises to its callers (the page, the HTTP API, the CLI)."""


class AssistantError(Exception):
    """Base class."""


class QuestionError(AssistantError, ValueError):
    """The question is empty, too long or otherwise unusable; the message says what to do."""
