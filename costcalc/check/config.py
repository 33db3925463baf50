"""Loading ``costcalc.yaml``: safe, exact and strict, with ``file:line`` in every error.

The YAML is read with the catalog's line-tracking safe loader (numbers become
exact :class:`~decimal.Decimal`, repeated keys are errors). Unknown keys, wrong
types and impossible combinations are :class:`~costcalc.errors.ConfigError`
naming the file, the line and the key path. ``config.schema.json`` next to this
module describes the same format for editors; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, overload

from costcalc.catalog.yamlsrc import Map, Seq, YamlProblem, compose, plain
from costcalc.choices import CacheTTL, InputFormat, Per, ServiceTier
from costcalc.errors import ConfigError

CONFIG_NAMES = ("costcalc.yaml", "costcalc.yml")

TARGET_RULES = (
    "per_call_usd",
    "monthly_usd",
    "latency_s",
    "max_input_tokens",
    "max_increase_pct",
    "max_increase_usd",
)
OVERALL_RULES = ("monthly_usd", "max_increase_pct", "max_increase_usd")
REQUEST_KEYS = (
    "model",
    "format",
    "unit",
    "turns",
    "system",
    "output_tokens",
    "output_file",
    "reasoning_tokens",
    "cached_fraction",
    "cache_write_fraction",
    "prompt_cache",
    "response_cache_hit",
    "batch",
    "service_tier",
    "cache_ttl",
    "calls",
    "per",
)
UNITS = ("call", "file", "transcript")  # what one prompt file is; `turns` makes it a conversation
FRACTIONS = ("cached_fraction", "cache_write_fraction", "response_cache_hit")
PATHS = ("system", "output_file")
TARGET_KEYS = ("name", "prompts", *REQUEST_KEYS, "budget", "allow_skipped")
TOP_KEYS = ("pricing", "defaults", "targets", "budget")
MONTHLY_RULES = ("monthly_usd", "max_increase_pct", "max_increase_usd")


@dataclass(frozen=True)
class Where:
    """A place in the config: ``file:line: key.path``."""

    file: str
    line: int | None
    key_path: str

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{place}: {self.key_path}" if self.key_path else place

    def error(self, message: str, hint: str | None = None) -> ConfigError:
        err = ConfigError(f"{self}: {message}", hint=hint)
        err.file, err.line = self.file, self.line  # for annotations
        return err


class ConfigProblems(ConfigError):
    """Every problem found in a config, reported together (each as its own ``error:`` line)."""

    def __init__(self, problems: list[ConfigError]) -> None:
        self.problems = list(problems)
        text = "\nerror: ".join(p.message for p in self.problems)
        hints = [p.hint for p in self.problems if p.hint]
        super().__init__(text, hint=hints[0] if len(hints) == 1 else None)


def collect(problems: list[ConfigError], check, *args):
    """``check(*args)``, with any ConfigError added to ``problems`` instead of raised."""
    try:
        return check(*args)
    except ConfigProblems as err:
        problems.extend(err.problems)
    except ConfigError as err:
        problems.append(err)
    return None


def raise_all(problems: list[ConfigError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigProblems(problems)


@dataclass(frozen=True)
class Rule:
    """One budget line: ``name: limit``, and where it was written."""

    name: str
    limit: Decimal
    where: Where


@dataclass(frozen=True)
class Target:
    name: str
    prompts: tuple[tuple[str, Where], ...]  # (glob, where it was written)
    model: str
    model_where: Where
    format: InputFormat = InputFormat.TEXT
    unit: str = "call"  # each prompt (or JSONL line) is a call; "file": each file is a task
    turns: int | None = None  # each prompt is a turn's user message of a planned conversation
    system: Path | None = None  # with turns: a system prompt file
    output_tokens: int = 0
    output_file: Path | None = None  # a sample reply: its length is the output per call
    reasoning_tokens: int = 0
    cached_fraction: Decimal = Decimal(0)
    cache_write_fraction: Decimal | None = None
    prompt_cache: bool = True
    response_cache_hit: Decimal = Decimal(0)
    batch: bool = False
    service_tier: ServiceTier = ServiceTier.STANDARD
    cache_ttl: CacheTTL = CacheTTL.FIVE_MINUTES
    calls: int | None = None
    per: Per = Per.MONTH
    budget: tuple[Rule, ...] = ()
    where: Where | None = None
    allow_skipped: bool = False  # prompts that cannot be counted are warnings, not errors
    output_priced: bool = False  # output_tokens or output_file was given


@dataclass(frozen=True)
class Config:
    path: Path
    root: Path  # the directory globs and pricing paths are relative to
    targets: tuple[Target, ...]
    budget: tuple[Rule, ...] = ()
    pricing: tuple[Path, ...] = field(default=())


def find_config(given: str | Path | None, cwd: Path | None = None) -> Path:
    """``given``, or ``costcalc.yaml`` (or ``.yml``) in ``cwd``; ConfigError if absent."""
    if given is not None:
        path = Path(given)
        if path.is_dir() or not path.exists():  # a pipe (--config <(...)) is read as a file
            what = "is a directory" if path.is_dir() else "no such file"
            raise ConfigError(f"config {path}: {what}")
        return path
    cwd = cwd or Path.cwd()
    for name in CONFIG_NAMES:
        if (cwd / name).is_file():
            return Path(name) if given is None and cwd == Path.cwd() else cwd / name
    raise ConfigError(
        f"no costcalc.yaml in {cwd} (looked for {' and '.join(CONFIG_NAMES)})",
        hint="run from the directory that holds it, or give --config FILE",
    )


def load_config(path: str | Path) -> Config:
    """The config at ``path``, fully checked; ConfigError on the first problem."""
    path = Path(path)
    label = str(path)
    try:
        node = compose(path)
        data = plain(node, "") if node is not None else None
    except YamlProblem as err:
        raise Where(label, err.line, err.key_path).error(err.message) from None
    if not isinstance(data, Map):
        raise Where(label, 1 if data is not None else None, "").error(
            "expected a mapping with 'targets' (see the costcalc check docs)"
        )
    return _Reader(label, path).config(data)


# ---------------------------------------------------------------- checking


def _describe(value: object) -> str:
    from costcalc.catalog.fields import describe

    return describe(value)


class _Reader:
    def __init__(self, label: str, path: Path) -> None:
        self.label = label
        self.path = path

    @overload
    def at(self, parent: Map, key: str, key_path: str) -> Where: ...
    @overload
    def at(self, parent: Seq, key: int, key_path: str) -> Where: ...
    def at(self, parent: Map | Seq, key: Any, key_path: str) -> Where:
        # key: Any because the overloads pair a Map with a key, a Seq with an index.
        return Where(self.label, parent.where(key), key_path)

    def keys(self, data: Map, allowed: tuple[str, ...], key_path: str) -> None:
        for key in data:
            if key not in allowed:
                sub = f"{key_path}.{key}" if key_path else key
                raise self.at(data, key, sub).error(
                    f"unknown key (expected one of: {', '.join(allowed)})"
                )

    def config(self, data: Map) -> Config:
        """The whole config checked; every problem found is raised together."""
        if not any(key in data for key in TOP_KEYS):  # not a config: its keys may be secrets
            n = len(data)
            raise Where(self.label, data.line, "").error(
                "expected a mapping with 'targets' (see the costcalc check docs), "
                f"got a mapping of {n} other key{'s' if n != 1 else ''}"
            )
        problems: list[ConfigError] = []
        collect(problems, self.keys, data, TOP_KEYS, "")
        if "targets" not in data:
            problems.append(
                Where(self.label, data.line, "").error("missing 'targets' (a list of targets)")
            )
            raise_all(problems)
        root = self.path.parent
        pricing = tuple(
            root / p for p in collect(problems, self.strings, data, "pricing", "pricing") or ()
        )
        defaults = data.get("defaults", Map())
        if "defaults" in data:
            if collect(problems, self.mapping, data, "defaults", "defaults") is None:
                raise_all(problems)
            collect(problems, self.keys, defaults, REQUEST_KEYS, "defaults")
            for key, value in defaults.items():  # checked even if every target overrides it
                if key != "model" and key in REQUEST_KEYS:
                    where = self.at(defaults, key, f"defaults.{key}")
                    collect(problems, self.request_value, key, value, where)
        if problems:  # the targets inherit the defaults: fix those first
            raise_all(problems)
        config = collect(problems, self._targets, data, defaults, root, pricing)
        raise_all(problems)
        return config

    def _targets(self, data: Map, defaults: Map, root: Path, pricing: tuple) -> Config:
        problems: list[ConfigError] = []
        targets_seq = data["targets"]
        if not isinstance(targets_seq, Seq) or not targets_seq:
            raise self.at(data, "targets", "targets").error(
                f"expected a non-empty list of targets, got {_describe(targets_seq)}"
            )
        targets: list[Target] = []
        seen: dict[str, int | None] = {}
        for i, item in enumerate(targets_seq):
            where = self.at(targets_seq, i, f"targets[{i}]")
            if not isinstance(item, Map):
                problems.append(where.error(f"expected a mapping, got {_describe(item)}"))
                continue
            target = collect(problems, self.target, item, defaults, f"targets[{i}]", where)
            if target is None:
                continue
            if target.name in seen:
                problems.append(
                    self.at(item, "name", f"targets[{i}].name").error(
                        f"duplicate target name {target.name!r} (first on line {seen[target.name]})"
                    )
                )
            seen[target.name] = item.where("name")
            targets.append(target)
        budget = collect(problems, self.budget, data, "budget", OVERALL_RULES) or ()
        raise_all(problems)
        for rule in budget:
            if rule.name in MONTHLY_RULES:
                for t in targets:
                    if t.calls is None:
                        raise rule.where.error(
                            f"needs the monthly cost of every target, but target {t.name!r} "
                            "has no 'calls' (give it calls and per)"
                        )
        return Config(self.path, root, tuple(targets), budget, pricing)

    def target(self, item: Map, defaults: Map, key_path: str, where: Where) -> Target:
        """One target; every problem it has is reported together (ConfigProblems)."""
        problems: list[ConfigError] = []
        collect(problems, self.keys, item, TARGET_KEYS, key_path)
        for required in ("name", "prompts"):
            if required not in item:
                problems.append(where.error(f"missing '{required}'"))
        name = item.get("name")
        if "name" in item and (not isinstance(name, str) or not name.strip()):
            problems.append(
                self.at(item, "name", f"{key_path}.name").error(
                    f"expected a non-empty string, got {_describe(name)}"
                )
            )
        prompts = collect(problems, self.globs, item, key_path) if "prompts" in item else None

        def pick(key: str) -> tuple[object, Where] | None:
            if key in item:
                return item[key], self.at(item, key, f"{key_path}.{key}")
            if key in defaults:
                return defaults[key], self.at(defaults, key, f"defaults.{key}")
            return None

        model = pick("model")
        if model is None:
            problems.append(where.error("missing 'model' (give it here or under defaults)"))
        elif not isinstance(model[0], str) or not model[0].strip():
            problems.append(model[1].error(f"expected a model id, got {_describe(model[0])}"))
        values: dict[str, object] = {}
        bad_values = len(problems)
        for key in REQUEST_KEYS[1:]:
            got = pick(key)
            if got is not None:
                before = len(problems)
                value = collect(problems, self.request_value, key, *got)
                if len(problems) == before:
                    values[key] = value
        if len(problems) == bad_values:  # combinations are judged on valid values only
            collect(problems, self.combinations, item, defaults, values, pick, where)
        budget = collect(problems, self.budget, item, "budget", TARGET_RULES, key_path) or ()
        allow_skipped = item.get("allow_skipped", False)
        if not isinstance(allow_skipped, bool):
            problems.append(
                self.at(item, "allow_skipped", f"{key_path}.allow_skipped").error(
                    f"expected true or false, got {_describe(allow_skipped)}"
                )
            )
        if "calls" not in values and "calls" not in item:  # a bad "calls" is reported already
            for rule in budget:
                if rule.name in MONTHLY_RULES:
                    problems.append(
                        rule.where.error(
                            "needs a monthly cost: give the target 'calls' (and 'per')"
                        )
                    )
        raise_all(problems)
        assert isinstance(name, str) and prompts is not None and model is not None
        assert isinstance(model[0], str) and isinstance(allow_skipped, bool)
        return Target(
            output_priced="output_tokens" in values or "output_file" in values,
            name=name,
            prompts=prompts,
            model=model[0].strip(),
            model_where=model[1],
            budget=budget,
            where=where,
            allow_skipped=allow_skipped,
            **values,  # type: ignore[arg-type]
        )

    def combinations(self, item: Map, defaults: Map, values: dict, pick, where: Where) -> None:
        """Keys that go together (or not), and paths made relative to the config."""
        for key in PATHS:
            if key in values:
                values[key] = self.path.parent / values[key]
        if "output_file" in values and "output_tokens" in values:
            tokens_here = "output_tokens" in item
            file_here = "output_file" in item
            if tokens_here == file_here:
                raise pick("output_file")[1].error(
                    "give either output_tokens or output_file, not both"
                )
            del values["output_tokens" if file_here else "output_file"]
        if "turns" in values and values.get("unit", "call") != "call":
            raise pick("turns")[1].error(
                f"turns make each prompt a turn of a conversation; unit {values['unit']!r} "
                "does not go with them"
            )
        if "system" in values and "turns" not in values:
            raise pick("system")[1].error("a system prompt goes with turns (give turns: N)")
        cached = values.get("cached_fraction", Decimal(0))
        if cached + values.get("cache_write_fraction", Decimal(0)) > 1:
            raise where.error("cached_fraction + cache_write_fraction must not exceed 1")
        if values.get("unit") == "transcript":
            values.setdefault("format", InputFormat.CHAT)
            if values["format"] is not InputFormat.CHAT:
                raise pick("unit")[1].error("a transcript is a chat file: use format: chat")

    def globs(self, item: Map, key_path: str) -> tuple[tuple[str, Where], ...]:
        value = item["prompts"]
        where = self.at(item, "prompts", f"{key_path}.prompts")
        if isinstance(value, str):
            line = item.where("prompts")  # where.line, known here to be an int
            value = Seq([value])
            value.line, value.item_lines = line, [line]
        if not isinstance(value, Seq) or not value:
            raise where.error(
                f"expected a glob or a non-empty list of globs, got {_describe(value)}"
            )
        out = []
        for i, pattern in enumerate(value):
            at = self.at(value, i, f"{key_path}.prompts[{i}]")
            if not isinstance(pattern, str) or not pattern.strip():
                raise at.error(f"expected a glob (text), got {_describe(pattern)}")
            out.append((pattern, at))
        return tuple(out)

    def request_value(self, key: str, value: object, where: Where) -> object:
        if key == "format":
            choices = [f.value for f in InputFormat]
            if value not in choices:
                raise where.error(f"expected one of {', '.join(choices)}, got {_describe(value)}")
            return InputFormat(value)
        if key == "per":
            choices = [p.value for p in Per]
            if value not in choices:
                raise where.error(f"expected one of {', '.join(choices)}, got {_describe(value)}")
            return Per(value)
        for name, choice in (("service_tier", ServiceTier), ("cache_ttl", CacheTTL)):
            if key == name:
                choices = [c.value for c in choice]
                if value not in choices:
                    raise where.error(
                        f"expected one of {', '.join(choices)}, got {_describe(value)}"
                    )
                return choice(value)
        if key == "unit":
            if value not in UNITS:
                raise where.error(f"expected one of {', '.join(UNITS)}, got {_describe(value)}")
            return value
        if key in PATHS:
            if not isinstance(value, str) or not value.strip():
                raise where.error(f"expected a file path, got {_describe(value)}")
            return value
        if key in ("batch", "prompt_cache"):
            if not isinstance(value, bool):
                raise where.error(f"expected true or false, got {_describe(value)}")
            return value
        if key in FRACTIONS:
            number = self.number(value, where)
            if number > 1:
                raise where.error(f"expected a fraction between 0 and 1, got {_describe(value)}")
            return number
        minimum = 1 if key in ("calls", "turns") else 0
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise where.error(f"expected a whole number >= {minimum}, got {_describe(value)}")
        return value

    def number(self, value: object, where: Where) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise where.error(f"expected a number, got {_describe(value)}")
        number = Decimal(value)
        if not number.is_finite() or number < 0:
            raise where.error(f"expected a finite number >= 0, got {_describe(value)}")
        return number

    def budget(
        self, parent: Map, key: str, allowed: tuple[str, ...], prefix: str = ""
    ) -> tuple[Rule, ...]:
        if key not in parent:
            return ()
        key_path = f"{prefix}.{key}" if prefix else key
        data = self.mapping(parent, key, key_path)
        self.keys(data, allowed, key_path)
        rules = []
        for name, value in data.items():
            where = self.at(data, name, f"{key_path}.{name}")
            limit = self.number(value, where)
            if name == "max_input_tokens" and limit != limit.to_integral_value():
                raise where.error(f"expected a whole number, got {_describe(value)}")
            rules.append(Rule(name, limit, where))
        return tuple(rules)

    def mapping(self, parent: Map, key: str, key_path: str) -> Map:
        value = parent[key]
        if not isinstance(value, Map):
            raise self.at(parent, key, key_path).error(
                f"expected a mapping, got {_describe(value)}"
            )
        return value

    def strings(self, parent: Map, key: str, key_path: str) -> list[str]:
        if key not in parent:
            return []
        value = parent[key]
        if isinstance(value, str):
            return [value]
        where = self.at(parent, key, key_path)
        if not isinstance(value, Seq):
            raise where.error(f"expected a path or a list of paths, got {_describe(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.at(value, i, f"{key_path}[{i}]").error(
                    f"expected a path, got {_describe(item)}"
                )
        return list(value)
