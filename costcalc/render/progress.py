"""A progress bar on stderr that shows itself only when work takes more than a second."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class DelayedProgress:
    """Implements counting.Progress; silent unless stderr is a terminal and 1 s has passed."""

    def __init__(self, description: str, delay: float = 1.0, enabled: bool | None = None) -> None:
        self.description = description
        self.delay = delay
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._done = 0
        self._total: int | None = None
        self._t0 = time.monotonic()

    def start(self, total_bytes: int | None) -> None:
        self._total = total_bytes
        self._t0 = time.monotonic()

    def advance(self, nbytes: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._done += nbytes
            if self._bar is None:
                if time.monotonic() - self._t0 < self.delay:
                    return
                from rich.progress import (
                    BarColumn,
                    DownloadColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                    TransferSpeedColumn,
                )

                from costcalc.render.common import stderr_console

                bar = Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    TimeRemainingColumn(),
                    console=stderr_console(),
                    transient=True,
                )
                self._bar = bar
                bar.start()
                self._task = bar.add_task(self.description, total=self._total)
            assert self._task is not None  # added with the bar, under the same lock
            self._bar.update(self._task, completed=self._done)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
