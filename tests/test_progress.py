"""Progress bars draw on a terminal only and never touch stdout."""

from __future__ import annotations

import io

from retinoid_ld.progress import progress_bar, progress_enabled, step_reporter, track


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_draws_nothing():
    stream = io.StringIO()
    with progress_bar("export", total=10, stream=stream) as bar:
        for _ in range(10):
            bar.advance()
    assert stream.getvalue() == ""
    assert bar.count == 10


def test_terminal_draws_bar_and_clears_it():
    stream = FakeTerminal()
    bar = progress_bar("export", total=4, unit="triples", stream=stream)
    bar.update(2, status="sorting")
    assert bar.render().startswith("export: [############............]  50% 2/4 triples")
    bar.close("done")
    text = stream.getvalue()
    assert "\rexport: [" in text
    assert text.endswith("export: done\n")


def test_environment_overrides_terminal_detection(monkeypatch):
    monkeypatch.setenv("RETINOID_LD_PROGRESS", "0")
    assert progress_enabled(FakeTerminal()) is False
    monkeypatch.setenv("RETINOID_LD_PROGRESS", "1")
    assert progress_enabled(io.StringIO()) is True


def test_track_yields_items_unchanged():
    assert list(track(iter([3, 1, 2]), "sort", stream=FakeTerminal())) == [3, 1, 2]


def test_step_reporter_shows_latest_step_on_one_line():
    stream = FakeTerminal()
    report = step_reporter("build", stream=stream)
    report("reading 8 files")
    report("loading")
    report.close()
    lines = stream.getvalue().split("\r")
    assert any(line.startswith("build: 0:00 reading 8 files") for line in lines)
    assert any(line.startswith("build: 0:00 loading") for line in lines)
    assert "\n" not in stream.getvalue()


def test_build_command_logs_steps_when_not_a_terminal(tmp_path, run_cli):
    code, out, err = run_cli("build", "--no-validate", "--store", tmp_path / "s")
    assert code == 0, err
    assert out == ""
    assert "\r" not in err
    assert "store ready" in err


def test_a_ticking_step_keeps_redrawing_its_clock():
    import time

    from retinoid_ld.progress import step

    stream = FakeTerminal()
    with step("validate", "checking", stream=stream):
        time.sleep(1.2)
    draws = [line for line in stream.getvalue().split("\r") if line.startswith("validate:")]
    assert len(draws) >= 2  # the first draw and at least one tick
    assert all("checking" in line for line in draws)
    assert stream.getvalue().endswith("\r")  # the line is cleared at the end


def test_validate_command_prints_no_progress_when_not_a_terminal(run_cli):
    code, _out, err = run_cli("validate")
    assert code == 0, err
    assert "\r" not in err
