"""The one error family, and the exit codes every command uses.

Library code raises a subclass of :class:`CostcalcError` with a message a user
can act on; only the CLI catches it, prints ``error: <message>`` on stderr and
exits with :attr:`ExitCode.USAGE`. Any other exception reaching the CLI is a
bug: one line asking for a report and :attr:`ExitCode.INTERNAL`.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    BREACH = 1  # a budget or limit was breached
    USAGE = 2  # usage, input or configuration error
    INTERNAL = 3  # a bug in costcalc: one line asking for a report


class CostcalcError(Exception):
    """A mistake in what the user gave us: arguments, files, tables or config."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(CostcalcError):
    """A prompt file, directory, glob or stdin that cannot be used."""


class EncodingError(CostcalcError):
    """An unknown or corrupt tokenizer encoding."""


class PricingError(CostcalcError):
    """A price table that cannot be loaded, or a price that does not exist."""


class UnknownModelError(PricingError):
    """A model id that is in no loaded table."""

    def __init__(
        self,
        model: str,
        suggestions: list[str] | tuple[str, ...] = (),
        tables_as_of: str | None = None,
    ) -> None:
        self.model = model
        self.suggestions = tuple(suggestions)
        message = f"unknown model {model!r}"
        if self.suggestions:
            message += "; did you mean " + ", ".join(self.suggestions) + "?"
        age = f" (the tables are as of {tables_as_of})" if tables_as_of else ""
        hint = (
            f"`costcalc models --search TEXT` lists the known ids{age}; price a model "
            "they lack with --input-price/--output-price (USD per 1M tokens) or a "
            "table of your own with --pricing FILE"
        )
        super().__init__(message, hint=hint)


class MissingPriceError(PricingError):
    """The model is known but has no price for what was asked (never priced as $0)."""


class ConfigError(CostcalcError):
    """A costcalc.yaml (or a baseline report) that cannot be used."""

    # The config file and line, when known (set by ``Where.error``).
    file: str | None = None
    line: int | None = None


class BenchError(CostcalcError):
    """A benchmark that cannot run as asked."""
