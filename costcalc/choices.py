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
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def minutes(self) -> int:
        """A month is 730 hours (43,800 minutes), as cloud bills count it."""
        return {
            Per.MINUTE: 1,
            Per.HOUR: 60,
            Per.DAY: 1440,
            Per.WEEK: 10080,
            Per.MONTH: 43800,
        }[self]

    @property
    def hours(self) -> float:
        return self.minutes / 60


class Unit(str, Enum):
    """What one unit of work is (see :mod:`costcalc.workload`)."""

    CALL = "call"  # the inputs together are one call
    TASK = "task"  # each input (file, or JSONL line) is one call; all of them are the unit
    TRANSCRIPT = "transcript"  # a chat transcript: one call per assistant message
    TURNS = "turns"  # a planned conversation: --turns N, the input is each turn's user message


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
