import numpy as np
import pytest


@pytest.fixture(scope="session")
def fitter():
    from emoshift.fitting import Fitter

    return Fitter()


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def hopper_path() -> str:
    import matplotlib.cbook as cb

    return str(cb.get_sample_data("grace_hopper.jpg", asfileobj=False))


@pytest.fixture(scope="session")
def astronaut_fit(fitter, astronaut):
    return fitter.fit(astronaut)


@pytest.fixture(scope="session")
def hopper_fit(fitter, hopper_path):
    return fitter.fit(hopper_path)
