"""Fixtures for the model tests (helpers live in modelkit.py)."""

import pytest
from modelkit import HashEncoder


@pytest.fixture
def hash_encoder():
    return HashEncoder()


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models: one thread avoids OpenMP overhead (and contention with other test processes).
    Module scope: the count is restored after each module here, not left at 1 for the rest of the suite."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
