"""Every choice a user can make on the command line, as enums in one light module.

Kept free of imports so the CLI can declare its options without loading the
stages that use them.
"""

from __future__ import annotations

from enum import Enum


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


class InputFormat(str, Enum):
    """How inputs are read. ``auto`` reads .json/.jsonl files as request bodies
    (shape detected) and anything else as text; the others force one reading."""

    AUTO = "auto"
    TEXT = "text"
    CHAT = "chat"  # OpenAI chat messages or body (the original name)
    JSONL = "jsonl"  # one request per line, each shape detected
    OPENAI_CHAT = "openai-chat"
    OPENAI_RESPONSES = "openai-responses"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    OPENAI_BATCH = "openai-batch"
    ANTHROPIC_BATCH = "anthropic-batch"
    GEMINI_BATCH = "gemini-batch"
    PROMPT = "prompt"  # {"prompt": "..."} and plain JSON strings


class Per(str, Enum):
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"

    @property
    def hours(self) -> int:
        """A month is 730 hours, as cloud bills count it."""
        return {Per.HOUR: 1, Per.DAY: 24, Per.MONTH: 730}[self]


class SortKey(str, Enum):
    COST = "cost"
    LATENCY = "latency"


class CheckFormat(str, Enum):
    """The formats `check` reports in (the renderer table has no CSV for it)."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


class UsageEngine(str, Enum):
    """What sums the tokens of `costcalc usage`: DuckDB (fast), or Python (the exact reference)."""

    DUCKDB = "duckdb"
    PYTHON = "python"


class ServiceTier(str, Enum):
    """A provider's processing tier for synchronous calls (the batch API is separate)."""

    STANDARD = "standard"
    FLEX = "flex"
    PRIORITY = "priority"


class CacheTTL(str, Enum):
    """How long a prompt-cache write lives; Anthropic bills 1-hour writes higher."""

    FIVE_MINUTES = "5m"
    ONE_HOUR = "1h"
