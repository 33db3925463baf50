"""Counting the tokens of inputs: the ``count`` stage of inputs -> tokens -> catalog.

Small files are counted whole, several at a time; large files and stdin are
streamed in safe chunks (see :mod:`costcalc.tokens`), all on one thread pool
as wide as the machine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO, Protocol

from costcalc import chat
from costcalc.choices import InputFormat
from costcalc.errors import InputError
from costcalc.inputs import STDIN, Skipped, Source, TextReader, resolve_sources
from costcalc.tokens import CHUNK_CHARS, Tokenizer, count_stream, get_counter, workers


@dataclass(frozen=True)
class InputCount:
    path: str
    tokens: int  # in the model's tokens (stand-in count times ratio, rounded up)
    chars: int
    bytes: int
    line: int | None = None  # JSONL: the request's line
    encoding_tokens: int | None = None  # the stand-in encoding's own count


@dataclass(frozen=True)
class CountReport:
    encoding: str
    model: str | None
    exact: bool
    ratio: Decimal
    inputs: tuple[InputCount, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]

    @property
    def total_tokens(self) -> int:
        return sum(i.tokens for i in self.inputs)


class Progress(Protocol):
    def start(self, total_bytes: int | None) -> None: ...
    def advance(self, nbytes: int) -> None: ...


class _NoProgress:
    def start(self, total_bytes: int | None) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass


def _blocks_with_progress(reader: TextReader, progress: Progress):
    seen = 0
    for text in reader.blocks():
        progress.advance(reader.bytes - seen)
        seen = reader.bytes
        yield text


def _count_text_source(
    src: Source, tok: Tokenizer, pool, stdin, progress
) -> tuple[InputCount, int]:
    reader = TextReader(src, stdin)
    if src.size is not None and src.size <= CHUNK_CHARS:
        text = reader.read()
        n = get_counter(tok.encoding)(text)
        progress.advance(reader.bytes)
    else:
        n = count_stream(_blocks_with_progress(reader, progress), tok.encoding, pool)
    return InputCount(src.path, tok.scale(n), reader.chars, reader.bytes, None, n), reader.replaced


def _count_chat_source(src, tok, stdin, progress) -> tuple[list[InputCount], int]:
    reader = TextReader(src, stdin)
    text = reader.read()
    progress.advance(reader.bytes)
    encode_len = get_counter(tok.encoding)
    request = chat.parse_chat(text, src.path)
    n = chat.count_chat(request, tok.encoding, encode_len)
    return [
        InputCount(src.path, tok.scale(n), reader.chars, reader.bytes, None, n)
    ], reader.replaced


def _count_jsonl_source(src, tok, stdin, progress) -> tuple[list[InputCount], int]:
    reader = TextReader(src, stdin)
    text = reader.read()
    progress.advance(reader.bytes)
    encode_len = get_counter(tok.encoding)
    out: list[InputCount] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{src.path}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{where}: not valid JSON: {err.msg} (column {err.colno})") from None
        n = _count_request(data, where, tok.encoding, encode_len)
        out.append(InputCount(src.path, tok.scale(n), len(line), len(line.encode()), lineno, n))
    if not out:
        raise InputError(f"{src.path}: no requests (the JSONL file is empty)")
    return out, reader.replaced


def _count_request(data: object, where: str, encoding: str, encode_len) -> int:
    """One JSONL line: a chat request (or batch line), a ``prompt``/``input`` text, or a string."""
    if isinstance(data, str):
        return encode_len(data)
    if isinstance(data, dict):
        body = data.get("body", data) if isinstance(data.get("body"), dict) else data
        if "messages" in body:
            return chat.count_chat(chat.chat_from_json(body, where), encoding, encode_len)
        for key in ("prompt", "input", "text"):
            if isinstance(body.get(key), str):
                return encode_len(body[key])
    if isinstance(data, list):
        return chat.count_chat(chat.chat_from_json(data, where), encoding, encode_len)
    raise InputError(
        f"{where}: expected a chat request (with 'messages'), a 'prompt' string or a string"
    )


def count_sources(
    sources: Sequence[Source],
    tok: Tokenizer,
    fmt: InputFormat = InputFormat.TEXT,
    *,
    model: str | None = None,
    skipped: Sequence[Skipped] = (),
    progress: Progress | None = None,
    stdin: BinaryIO | None = None,
) -> CountReport:
    progress = progress or _NoProgress()
    sizes = [s.size for s in sources]
    progress.start(None if None in sizes else sum(sizes))
    get_counter(tok.encoding)  # load once, before the threads start
    results: list[list[InputCount]] = [[] for _ in sources]
    replaced: list[int] = [0] * len(sources)
    with ThreadPoolExecutor(workers()) as pool:
        futures = {}
        for i, src in enumerate(sources):
            small = src.size is not None and src.size <= CHUNK_CHARS
            if fmt is InputFormat.TEXT and not small:
                continue  # streamed below, on this thread
            futures[i] = pool.submit(_count_one, src, tok, fmt, pool, stdin, progress)
        for i, src in enumerate(sources):
            if i not in futures:
                one, replaced[i] = _count_text_source(src, tok, pool, stdin, progress)
                results[i] = [one]
        for i, fut in futures.items():
            results[i], replaced[i] = fut.result()
    warnings = tuple(
        f"{src.path}: {n:,} invalid UTF-8 sequence{'s' if n != 1 else ''} "
        "counted as U+FFFD replacement characters"
        for src, n in zip(sources, replaced, strict=True)
        if n
    )
    inputs = tuple(c for group in results for c in group)
    return CountReport(tok.encoding, model, tok.exact, tok.ratio, inputs, tuple(skipped), warnings)


def _count_one(src, tok, fmt, pool, stdin, progress) -> tuple[list[InputCount], int]:
    if fmt is InputFormat.CHAT:
        return _count_chat_source(src, tok, stdin, progress)
    if fmt is InputFormat.JSONL:
        return _count_jsonl_source(src, tok, stdin, progress)
    one, replaced = _count_text_source(src, tok, pool, stdin, progress)
    return [one], replaced


def count_inputs(
    paths: Sequence[str],
    tok: Tokenizer,
    fmt: InputFormat = InputFormat.TEXT,
    *,
    model: str | None = None,
    glob: str | None = None,
    progress: Progress | None = None,
    stdin: BinaryIO | None = None,
    stdin_is_tty: bool | None = None,
) -> CountReport:
    """Tokens of every input named by ``paths`` (files, directories, ``-``; none = stdin)."""
    found = resolve_sources(paths, glob, stdin_is_tty=stdin_is_tty)
    if sum(1 for s in found.sources if s.path == STDIN) > 1:
        raise InputError("stdin ('-') can be read only once")
    return count_sources(
        found.sources, tok, fmt, model=model, skipped=found.skipped, progress=progress, stdin=stdin
    )
