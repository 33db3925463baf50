from __future__ import annotations

from costcalc.render.progress import DelayedProgress


def test_silent_when_disabled(capsys):
    with DelayedProgress("counting", delay=0, enabled=False) as progress:
        progress.start(100)
        progress.advance(50)
        assert progress._bar is None
    assert capsys.readouterr().err == ""


def test_waits_for_the_delay_then_shows_on_stderr(capsys):
    with DelayedProgress("counting", delay=3600, enabled=True) as progress:
        progress.start(100)
        progress.advance(10)
        assert progress._bar is None  # quick work shows nothing
        progress.delay = 0
        progress.advance(10)
        assert progress._bar is not None
        assert progress._done == 20
    out = capsys.readouterr()
    assert out.out == ""  # never on stdout
