"""How the command line reads its options, for every command at once.

- A usage error (bad value, unknown option, missing argument, bad choice) is
  one line on stderr, ``error: ...``, and exit 2: never a framed box.
- Choices are accepted in any case (``--per Day``, ``--output JSON``).
- An option that takes one value is an error when given twice, instead of the
  last one silently winning; repeatable options say so in their help.
"""

from __future__ import annotations

import sys
from typing import Any

try:  # Typer >= 0.22 ships its own copy of Click
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover - older Typer on Click
    from click import exceptions as _click_exceptions  # type: ignore[no-redef]

ClickException = _click_exceptions.ClickException
UsageError = _click_exceptions.UsageError

USAGE_EXIT = 2


def usage_line(err: Any) -> str:
    """The one line for a Click/Typer error: what is wrong, and where to read more."""
    text = " ".join(err.format_message().split())
    text = (text[:1].lower() + text[1:]).rstrip(".")
    ctx = getattr(err, "ctx", None)
    if ctx is not None and isinstance(err, UsageError):
        text = f"{text} (see '{ctx.command_path} --help')"
    return f"error: {text}"


def report_usage_error(err: Any) -> int:
    print(usage_line(err), file=sys.stderr)
    return USAGE_EXIT


# What a value is, from words in an option's name: money, shares, sizes and dates read as
# such in --help instead of a type name.
_METAVARS = (
    (("price", "usd", "cost"), "USD"),
    (("fraction", "share", "rate"), "FRACTION"),
    (("watts",), "WATTS"),
    (("as_of", "date", "at"), "DATE"),
    (("size",), "WxH"),
    (("model", "models", "what_if"), "MODEL"),
    (("search", "text"), "TEXT"),
    (("glob",), "PATTERN"),
    (("paths", "path", "file", "files"), "PATH"),
)


def metavar_for(name: str) -> str:
    """``--cached-fraction`` -> FRACTION, ``--max-cost`` -> USD, ``--glob`` -> PATTERN, ..."""
    words = name.split("_")
    for keys, metavar in _METAVARS:
        if any(k in words or k == name for k in keys):
            return metavar
    return name.upper().replace("_", "-")


def prepare(command: Any) -> None:
    """Choices in any case, and a metavar that says what a text value is, for ``command``."""
    if getattr(command, "_costcalc_prepared", False):
        return
    for param in getattr(command, "params", ()):
        kind = getattr(param, "type", None)
        if kind is not None and hasattr(kind, "case_sensitive"):
            kind.case_sensitive = False
        elif getattr(kind, "name", "") in ("text", "str") and not param.metavar and param.name:
            param.metavar = metavar_for(param.name)
    command._costcalc_prepared = True


def _takes_one_value(param: Any) -> bool:
    if getattr(param, "param_type_name", "") != "option":
        return False
    return not (param.multiple or param.is_flag or getattr(param, "count", False))


def check_repeats(command: Any, args: list[str], command_path: str) -> None:
    """A UsageError when an option that takes one value appears more than once in ``args``."""
    by_name: dict[str, Any] = {}
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") == "option":
            for name in (*param.opts, *param.secondary_opts):
                by_name[name] = param
    seen: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        name, param, inline = None, None, False
        if arg.startswith("--"):
            name, eq, _ = arg.partition("=")
            param, inline = by_name.get(name), bool(eq)
        elif arg.startswith("-") and len(arg) > 1:
            name = arg[:2]
            param, inline = by_name.get(name), len(arg) > 2
        if param is not None and not param.is_flag and not inline:
            i += 1  # its value, which may itself start with "-"
        if param is not None and _takes_one_value(param):
            seen.setdefault(param.name, []).append(name)
        i += 1
    for used in seen.values():
        if len(used) > 1:
            spelled = " and ".join(dict.fromkeys(used))
            raise UsageError(
                f"{spelled} given {len(used)} times; it takes one value, give it once "
                f"(see '{command_path} --help')"
            )
