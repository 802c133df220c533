"""The answering core: ``from assistant import Assistant``."""

from assistant.core import Assistant
from assistant.errors import AssistantError, QuestionError
from footnote.records import Answer, Citation

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "QuestionError"]
