"""Job progress (stage + percent) reported while the fake pipeline runs, and the restored pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_components import fake_pipeline, photo

from emoshift.options import AnimateOptions
from emoshift.web.app import make_runner
from emoshift.web.jobs import Job
from emoshift.web.progress import STAGES, track


def test_stages_in_order_with_rising_percent_and_frames():
    pipe = fake_pipeline()
    seen: list[tuple[str, float]] = []
    with track(pipe, lambda s, p: seen.append((s, p))):
        result = pipe.animate(photo(), "from disgust to happiness", seconds=1.0, fps=10)
    labels = [s for s, _ in seen]
    order = [lab for _, lab, _, _ in STAGES if lab in labels]
    assert order == [
        "Reading the photo", "Fitting the 3D face", "Planning the expressions", "Timing the animation",
        "Rendering the frames",
    ]  # fmt: skip
    assert [labels.index(x) for x in order] == sorted(labels.index(x) for x in order)
    pct = [p for _, p in seen]
    assert pct == sorted(pct) and pct[0] >= 0 and pct[-1] == pytest.approx(85)
    render = [p for s, p in seen if s == "Rendering the frames"]
    n, chunk = len(result.trajectory.expression), pipe.render_chunk
    assert len(render) == 1 + -(-n // chunk)  # the stage's start, then once per batch of frames
    # the instance is restored: no wrapper left behind
    assert not {"fit", "plan", "make_trajectory", "render", "read_photo"} & set(vars(pipe))
    before = len(seen)
    pipe.animate(photo(), "from disgust to happiness", seconds=1.0, fps=10)
    assert len(seen) == before


def test_runner_reports_outputs_and_the_status_shows_progress(tmp_path: Path):
    pipe = fake_pipeline()
    job = Job("x", {"instruction": "from disgust to happiness", "options": AnimateOptions(seconds=1.0, fps=12.0)},
              photo())  # fmt: skip
    reports: list[tuple[str, float]] = []
    real = job.report
    job.report = lambda s, p: (reports.append((s, p)), real(s, p))  # type: ignore[method-assign]
    files, summary = make_runner(lambda: pipe)(job, tmp_path)
    assert summary["frames"] == 13  # fps reached the pipeline (1 s at 12 fps, both ends; 31 at 30 fps)
    writes = [s for s, _ in reports if s.startswith("Writing")]
    assert writes == ["Writing the video", "Writing the 3D head", "Writing the Live Link curves", "Writing the weights"]
    assert [p for _, p in reports] == sorted(p for _, p in reports)
    assert job.public()["progress"] == {"stage": reports[-1][0], "percent": int(reports[-1][1])}
