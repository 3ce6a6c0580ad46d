"""Pipeline.load builds one head model for a video: the fitter shares the renderer's full head model (the
fitter reads only the landmark bases, the same for every region) and the head region of the 3D exports is
loaded only when one is written."""

import warnings

import numpy as np
import pytest

from emoshift.headmodel import HeadModel
from emoshift.pipeline import Pipeline, sample_photo


@pytest.fixture(scope="module")
def pipe():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Pipeline.load(seed=0)


def test_the_fit_on_the_shared_full_model_is_the_head_models_fit(pipe):
    from emoshift.fitting import Fitter

    assert pipe.fitter.model is pipe.renderer.model and pipe.renderer.model.region == "full"
    photo = pipe.read_photo(sample_photo())
    a = pipe.fit(photo)
    b = Fitter(model=HeadModel.load(n_identity=50, region="head")).fit(photo)
    for name in ("identity", "expression", "rotation", "translation"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    # control: a model with other landmark bases (fewer identity modes) fits otherwise
    c = Fitter(model=HeadModel.load(n_identity=20, region="full")).fit(photo)
    assert np.abs(c.expression - a.expression).max() > 1e-4


def test_a_video_builds_no_head_region_model_and_a_glb_loads_it(pipe, tmp_path, monkeypatch):
    built = []
    original = HeadModel.load.__func__

    def counting(cls, *args, **kwargs):
        built.append(kwargs.get("region", "head"))
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(HeadModel, "load", classmethod(counting))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pipe.animate(sample_photo(), "Turn this face from disgust to happiness", fps=8, seconds=0.5)
        pipe.save(res, tmp_path / "a.mp4")
        assert built == [] and pipe._model is None  # the video needed no other head model
        pipe.save(res, tmp_path / "a.glb")
    assert built == ["head"] and pipe.model.region == "head"  # control: a 3D export loads it, once
    assert (tmp_path / "a.mp4").stat().st_size > 0 and (tmp_path / "a.glb").stat().st_size > 0
