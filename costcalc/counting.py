"""Counting the tokens of inputs: the ``count`` stage of inputs -> tokens -> catalog.

Long texts (large files, and stdin or pipes that turn out long) are counted
first, one after another, each streamed in safe chunks (see
:mod:`costcalc.tokens`) to worker processes (:mod:`costcalc.processes`) or,
where there are none, threads. Then small files and request files are counted
whole, several at a time, on a thread pool as wide as the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import BinaryIO, Protocol

from costcalc.choices import InputFormat
from costcalc.errors import InputError
from costcalc.inputs import SkipInput, Skipped, Source, TextReader, decode_utf8, resolve_sources
from costcalc.processes import PROCESS_CHUNK_BYTES, count_part, counting_processes
from costcalc.tokens import (
    CHUNK_CHARS,
    Kind,
    TokenizerSpec,
    count_utf8_stream,
    get_counter,
    resolve,
    workers,
)


@dataclass(frozen=True)
class InputCount:
    path: str
    tokens: int  # in the model's tokens (stand-in count times ratio, rounded up)
    chars: int
    bytes: int
    line: int | None = None  # JSONL: the request's line
    encoding_tokens: int | None = None  # the count of the tokenizer that ran (text only)
    fixed_tokens: int = 0  # the model's own tokens by published rules (media, overheads)
    model: str | None = None  # the catalog entry (provider/id) the request was counted for
    body_model: str | None = None  # the model the request body names
    max_output_tokens: int | None = None  # the body's output limit
    label: str | None = None  # a batch line's custom_id / key
    approximate: tuple = ()  # Notes: parts estimated, and why
    not_priced: tuple = ()  # Notes: parts not priced, and why
    exact: bool = True  # the tokenizer is exact and every part had a published method
    request: bool = False  # read as a request body (not plain text)
    blocks: tuple = ()  # costcalc.request.prefix.Block: what a prompt cache can match

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True)
class CountReport:
    encoding: str
    model: str | None
    exact: bool
    ratio: Decimal
    inputs: tuple[InputCount, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    tokenizer: str | None = None  # the model's own tokenizer (``encoding`` is the one that ran)
    kind: Kind = Kind.EXACT
    ratio_source: str | None = None

    @property
    def all_exact(self) -> bool:
        return self.exact and all(i.exact for i in self.inputs)

    @property
    def total_tokens(self) -> int:
        """The sum; for approximate counts, one rounding of the whole (as estimate prices it).

        An approximate count is the stand-in's count times a ratio, rounded
        up. Rounding each input and adding would overstate a total of many
        small inputs (ten 1-token files at x1.16: 20, not 12), so when every
        input was scaled by this report's ratio the total is the stand-in's
        total times the ratio, rounded up once. Rows are still each rounded up.
        """
        plain = sum(i.tokens for i in self.inputs)
        if self.ratio == 1 or not self.inputs:
            return plain
        from costcalc.tokenizers.base import scale

        raw = [i.encoding_tokens for i in self.inputs]
        if any(n is None for n in raw) or any(
            i.tokens != scale(i.encoding_tokens or 0, self.ratio) + i.fixed_tokens
            for i in self.inputs
        ):
            return plain  # inputs counted with different tokenizers: each as it was
        fixed = sum(i.fixed_tokens for i in self.inputs)
        return scale(sum(n for n in raw if n is not None), self.ratio) + fixed


class Progress(Protocol):
    def start(self, total_bytes: int | None) -> None: ...
    def advance(self, nbytes: int) -> None: ...


class _NoProgress:
    def start(self, total_bytes: int | None) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass


def _utf8_blocks_with_progress(reader: TextReader, progress: Progress):
    seen = 0
    for block in reader.utf8_blocks():
        progress.advance(reader.bytes - seen)
        seen = reader.bytes
        yield block


def _small(src: Source) -> bool:
    return src.size is not None and src.size <= CHUNK_CHARS


Work = Callable[[bytes], "tuple[int, int, int]"]


class _Pools:
    """The counting pools of one count, each started when first needed.

    Long texts go to worker processes (see :mod:`costcalc.processes`), forked
    before this process starts any thread; where there are none, and for
    everything else, a thread pool as wide as :func:`costcalc.tokens.workers`.
    """

    def __init__(self, stack: ExitStack, spec: TokenizerSpec, long_bytes: int | None) -> None:
        self._stack = stack
        self._spec = spec
        self._long_bytes = long_bytes  # the long texts' size in all (None: not known)
        self._threads: ThreadPoolExecutor | None = None
        self._procs: Executor | None = None
        self._procs_tried = False

    def threads(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = self._stack.enter_context(ThreadPoolExecutor(workers()))
        return self._threads

    def long_text(self) -> tuple[Executor, Work | None, int]:
        """Where to count a long text's chunks, the work to send (None: decode and count),
        and the chunks' size in bytes."""
        if not self._procs_tried and self._threads is None:
            self._procs_tried = True
            n = workers()
            if self._long_bytes is not None:  # no more workers than chunks
                n = max(1, min(n, -(-self._long_bytes // PROCESS_CHUNK_BYTES)))
            self._procs = self._stack.enter_context(counting_processes(self._spec, n))
        if self._procs is not None:
            return self._procs, count_part, PROCESS_CHUNK_BYTES
        return self.threads(), None, CHUNK_CHARS


def _first_blocks(blocks: Iterator[bytes], size: int) -> tuple[list[bytes], bool]:
    """Blocks from the start of ``blocks`` until more than ``size`` bytes (True) or the end."""
    head: list[bytes] = []
    seen = 0
    for block in blocks:
        head.append(block)
        seen += len(block)
        if seen > size:
            return head, True
    return head, False


def _count_text_source(
    src: Source, tok: TokenizerSpec, pools: _Pools, stdin, progress
) -> tuple[InputCount, TextReader]:
    """One text input: whole on this thread if short, else in chunks on ``pools``.

    An input of unknown size (stdin, a pipe) is short if it ends within one
    chunk: a piped prompt never starts a pool or builds a full encoder.
    """
    reader = TextReader(src, stdin)
    if _small(src):
        text = reader.read()
        n = get_counter(tok.encoding)(text)
        progress.advance(reader.bytes)
    else:
        blocks = _utf8_blocks_with_progress(reader, progress)
        head, long = _first_blocks(blocks, CHUNK_CHARS)
        if long:
            pool, work, size = pools.long_text()
            n, chars, replaced = count_utf8_stream(
                chain(head, blocks), tok.encoding, pool, decode_utf8, chunk_bytes=size, work=work
            )
        else:
            text, replaced = decode_utf8(b"".join(head))
            n, chars = get_counter(tok.encoding)(text), len(text)
        reader.chars += chars
        reader.replaced += replaced
    return InputCount(src.path, tok.scale(n), reader.chars, reader.bytes, None, n), reader


Pick = Callable[[object], tuple[TokenizerSpec, object]]  # request -> (tokenizer, Rules)


def request_format(fmt: InputFormat, path: str) -> InputFormat:
    """``auto`` reads .json/.jsonl/.ndjson files as requests and everything else as text."""
    if fmt is not InputFormat.AUTO:
        return fmt
    if path.lower().endswith((".json", ".jsonl", ".ndjson")):
        return InputFormat.AUTO
    return InputFormat.TEXT


Parsed = dict  # (path, format) -> (reader, text, requests): one parse for several counts


def _count_request_source(src, tok, fmt, stdin, progress, pick, parsed: Parsed | None = None):
    from costcalc.request.billing import count_request
    from costcalc.request.formats import read_requests
    from costcalc.request.prefix import blocks
    from costcalc.request.rules import OPENAI, Rules, method_for

    key = (src.path, fmt.value)
    hit = parsed.get(key) if parsed is not None else None
    if hit is None:
        reader = TextReader(src, stdin)
        text = reader.read()
        hit = (reader, text, read_requests(text, src.path, fmt.value))
        if parsed is not None:
            parsed[key] = hit
    reader, text, requests = hit
    progress.advance(reader.bytes)
    lines = None
    out: list[InputCount] = []
    warnings: list[str] = []
    for request in requests:
        if pick is not None:
            rtok, rules = pick(request)
        else:
            rtok, rules = tok, Rules(tok.encoding, method_for(request.provider) or OPENAI)
        counted = count_request(request, rules, get_counter(rtok.encoding))
        rplan = resolve(rtok)
        if rplan.notice:
            warnings.append(rplan.notice)
        line = request.location.line
        if line is None:
            chars, nbytes = reader.chars, reader.bytes
        else:
            lines = lines if lines is not None else text.splitlines()
            chars, nbytes = len(lines[line - 1]), len(lines[line - 1].encode())
        out.append(
            InputCount(
                path=src.path,
                tokens=rtok.scale(counted.text_tokens) + counted.fixed_tokens,
                chars=chars,
                bytes=nbytes,
                line=line,
                encoding_tokens=counted.text_tokens,
                fixed_tokens=counted.fixed_tokens,
                model=rules.model,
                body_model=request.model,
                max_output_tokens=request.max_output_tokens,
                label=request.label,
                approximate=counted.approximate,
                not_priced=counted.not_priced,
                exact=rtok.exact and counted.exact,
                request=True,
                blocks=blocks(request, counted, rplan.scale),
            )
        )
        warnings.extend(request.warnings)
    return out, reader, warnings + _not_priced(out)


def _not_priced(counts: list[InputCount]) -> list[str]:
    """One warning per reason a part was not priced: how many, and where the first is."""
    first: dict[str, tuple[str, int]] = {}
    for c in counts:
        for note in c.not_priced:
            reason = f"{note.reason} ({c.model})" if c.model else note.reason
            where, n = first.get(reason, (f"{c.where}: {note.path}", 0))
            first[reason] = (where, n + 1)
    return [
        f"{where}: {reason}"
        + (f" ({n} such parts in the file)" if n > 1 else "")
        + "; left out of the count"
        for reason, (where, n) in first.items()
    ]


def count_sources(
    sources: Sequence[Source],
    tok: TokenizerSpec,
    fmt: InputFormat = InputFormat.TEXT,
    *,
    model: str | None = None,
    skipped: Sequence[Skipped] = (),
    progress: Progress | None = None,
    stdin: BinaryIO | None = None,
    pick: Pick | None = None,
    parsed: Parsed | None = None,
) -> CountReport:
    """Count every source. Requests are counted with the tokenizer and billing rules
    ``pick`` chooses for each (default: ``tok`` and the body's own provider's method).
    ``parsed``, shared by the counts of one comparison, keeps each request file's
    parse, so the next count of the same files reads and parses none of them again."""
    progress = progress or _NoProgress()
    sizes = [s.size for s in sources if s.size is not None]
    progress.start(sum(sizes) if len(sizes) == len(sources) else None)
    plan = resolve(tok)
    get_counter(plan.runs)  # load once, before the threads start
    results: list[list[InputCount]] = [[] for _ in sources]
    readers: list[TextReader | None] = [None] * len(sources)
    notes: list[list[str]] = [[] for _ in sources]
    skips: dict[int, Skipped] = {}
    streamed = [
        i
        for i, src in enumerate(sources)
        if request_format(fmt, src.path) is InputFormat.TEXT and not _small(src)
    ]
    with ExitStack() as stack:
        long_sizes = [sources[i].size for i in streamed]
        known = None if None in long_sizes else sum(size or 0 for size in long_sizes)
        pools = _Pools(stack, plan.runs, known)
        for i in streamed:  # first, one after another, each on every core
            src = sources[i]
            try:
                one, readers[i] = _count_text_source(src, tok, pools, stdin, progress)
            except SkipInput as skip:  # met in a walk: binary or unreadable
                skips[i] = Skipped(src.path, skip.reason)
                continue
            results[i] = [one]
        done = set(streamed)
        rest = [i for i in range(len(sources)) if i not in done]
        futures = {
            i: pools.threads().submit(
                _count_one, sources[i], tok, fmt, pools, stdin, progress, pick, parsed
            )
            for i in rest
        }
        for i, fut in futures.items():
            try:
                results[i], readers[i], notes[i] = fut.result()
            except SkipInput as skip:
                skips[i] = Skipped(sources[i].path, skip.reason)
    if sources and len(skips) == len(sources):
        shown = "; ".join(f"{s.path}: {s.reason}" for s in list(skips.values())[:3])
        more = "; ..." if len(skips) > 3 else ""
        raise InputError(f"nothing to count: every file was skipped ({shown}{more})")
    warnings: list[str] = []
    for src, reader in zip(sources, readers, strict=True):
        if reader is None:
            continue
        n = reader.replaced
        if n:
            warnings.append(
                f"{src.path}: {n:,} invalid UTF-8 sequence{'s' if n != 1 else ''} "
                "counted as U+FFFD replacement characters"
            )
        warnings += reader.warnings
    if plan.notice:
        warnings.append(plan.notice)
    warnings = list(dict.fromkeys([*warnings, *(w for group in notes for w in group)]))
    skipped = sorted((*skipped, *skips.values()), key=lambda s: s.path)
    inputs = tuple(c for group in results for c in group)
    return CountReport(
        plan.runs.name,
        model,
        plan.exact,
        plan.ratio,
        inputs,
        tuple(skipped),
        tuple(warnings),
        tokenizer=plan.spec.name,
        kind=plan.kind,
        ratio_source=plan.ratio_source,
    )


def _count_one(src, tok, fmt, pools, stdin, progress, pick, parsed=None):
    fmt = request_format(fmt, src.path)
    if fmt is not InputFormat.TEXT:
        return _count_request_source(src, tok, fmt, stdin, progress, pick, parsed)
    one, reader = _count_text_source(src, tok, pools, stdin, progress)
    return [one], reader, []


def count_inputs(
    paths: Sequence[str],
    tok: TokenizerSpec,
    fmt: InputFormat = InputFormat.TEXT,
    *,
    model: str | None = None,
    glob: str | None = None,
    progress: Progress | None = None,
    stdin: BinaryIO | None = None,
    stdin_is_tty: bool | None = None,
    pick: Pick | None = None,
) -> CountReport:
    """Tokens of every input named by ``paths`` (files, directories, ``-``; none = stdin)."""
    found = resolve_sources(paths, glob, stdin_is_tty=stdin_is_tty)
    if sum(1 for s in found.sources if s.is_stdin) > 1:
        raise InputError("stdin ('-') can be read only once")
    return count_sources(
        found.sources,
        tok,
        fmt,
        model=model,
        skipped=found.skipped,
        progress=progress,
        stdin=stdin,
        pick=pick,
    )
