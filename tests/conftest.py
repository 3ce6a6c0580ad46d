"""Shared fixtures: the head model is loaded once per test session."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GLOG_minloglevel", "2")


@pytest.fixture(scope="session")
def ict_arrays():
    from emoshift.headmodel import load_arrays

    return load_arrays()


@pytest.fixture(scope="session")
def head_model():
    from emoshift.headmodel import HeadModel

    return HeadModel.load()
