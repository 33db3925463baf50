"""Standard streams that never crash a command and never decide its exit code.

A reader that went away (``costcalc check --json | true``), a closed stream
(``>&-``) or a full disk (``> /dev/full``) must not stop the work that does not
need stdout: a check's verdict, its ``--junit`` file and its step summary.
:func:`guard_streams` replaces ``sys.stdout`` and ``sys.stderr`` with
:class:`GuardedStream` wrappers that pass every write through and, on the first
failure, drop the rest of the output on that stream and remember why.

Only a lost output that nobody chose to lose is worth a word: a closed pipe
(EPIPE) or a stream closed on purpose says nobody is reading; anything else
(ENOSPC, EIO) gets one warning line on stderr when the command ends. The exit
code stays what the command decided.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO

_QUIET = {errno.EPIPE, errno.EBADF}


class GuardedStream:
    """A text stream whose writes cannot raise; ``failure`` says why output was dropped."""

    def __init__(self, stream: TextIO | None, name: str) -> None:
        self._stream = stream
        self.name = name
        self.failure: OSError | None = None
        self.reported = False

    @property
    def wrapped(self) -> TextIO | None:
        return self._stream

    @property
    def lost(self) -> bool:
        """Output was dropped for a reason the user should hear about (a full disk, EIO)."""
        return self.failure is not None and self.failure.errno not in _QUIET

    def _fail(self, err: OSError) -> None:
        if self.failure is None:
            self.failure = err
        stream, self._stream = self._stream, None
        _park(stream)

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
            except UnicodeEncodeError:  # a stdout that cannot show every character
                self.write(text.encode(self.encoding, "backslashreplace").decode(self.encoding))
            except (OSError, ValueError) as err:  # ValueError: I/O on a closed file
                self._fail(err if isinstance(err, OSError) else OSError(errno.EBADF, str(err)))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError) as err:
                self._fail(err if isinstance(err, OSError) else OSError(errno.EBADF, str(err)))

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(errno.EBADF, "stream is closed")
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:
        return getattr(self._stream, "errors", None)

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:  # anything else a library may look at
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def _park(stream: TextIO | None) -> None:
    """Point a failed stream's descriptor at /dev/null: the last flush at exit stays quiet."""
    if stream is None:
        return
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
    except OSError:
        pass


def guard_streams() -> tuple[GuardedStream, GuardedStream]:
    """Wrap sys.stdout and sys.stderr (once); returns the two guards."""
    guards = []
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if not isinstance(current, GuardedStream):
            current = GuardedStream(current, name)
            setattr(sys, name, current)
        guards.append(current)
    return guards[0], guards[1]


def finish_streams(out: GuardedStream, err: GuardedStream) -> None:
    """Flush both; say on stderr if results were lost to something other than a closed reader."""
    out.flush()
    if out.lost and out.failure is not None and not out.reported:
        out.reported = True
        reason = out.failure.strerror or str(out.failure)
        err.write(f"warning: the results could not be written to stdout ({reason})\n")
    err.flush()


def reserve_closed_fds() -> None:
    """Put /dev/null on a closed fd 0, 1 or 2, so no file opened later lands there."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            except OSError:
                return
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
