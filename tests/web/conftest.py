"""The web tests reuse the pipeline tests' fake components; ``make_client`` is the app on a fake pipeline."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))


@pytest.fixture
def make_client(tmp_path):
    """``make(pipe=None, **ServeConfig fields) -> (TestClient, pipeline, app)``; the clients close after the test."""
    from fake_components import fake_pipeline
    from fastapi.testclient import TestClient

    from emoshift.web.app import ServeConfig, create_app

    made = []

    def make(pipe=None, **cfg):
        pipe = pipe or fake_pipeline()
        app = create_app(lambda: pipe, ServeConfig(workdir=tmp_path / "work", **cfg))
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        client.__enter__()
        made.append(client)
        return client, pipe, app

    yield make
    for c in made:
        c.__exit__(None, None, None)
