"""End to end in headless Chromium: the real pipeline behind `emoshift serve`'s app, driven by Selenium.

Loads the page, uploads the astronaut photo, submits an instruction, waits for the video and the 3D
viewer, checks the video has a duration and the .glb loaded with its morph targets, and saves a
screenshot to test-artifacts/web_e2e.png. Needs Debian's chromium and chromium-driver (`make test`
installs them when missing).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--enable-unsafe-swiftshader", "--window-size=1280,1700",
)  # fmt: skip


ERROR_TEXT = "const e = document.getElementById('error'); return e.hidden ? '' : e.textContent"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with the real default pipeline, served by uvicorn on 127.0.0.1 in a thread."""
    import uvicorn

    from emoshift.pipeline import Pipeline
    from emoshift.web.app import ServeConfig, create_app

    app = create_app(Pipeline.load, ServeConfig(workdir=tmp_path_factory.mktemp("serve")))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.time() + 30
    while not srv.started and time.time() < end:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("chromium and chromedriver are needed (Debian: apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver, script: str, timeout: float, what: str):
    end = time.time() + timeout
    while time.time() < end:
        value = driver.execute_script(script)
        if value:
            return value
        err = driver.execute_script(ERROR_TEXT)
        if err:
            raise AssertionError(f"the page shows an error while waiting for {what}: {err}")
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_upload_animate_and_view(server, browser, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from emoshift.pipeline import sample_photo

    photo = tmp_path / "astronaut.png"
    Image.fromarray(sample_photo("astronaut")).save(photo)
    browser.get(server + "/")
    _wait(browser, "return document.querySelectorAll('#examples .chip').length", 20, "the page to initialise")
    browser.find_element(By.ID, "photo").send_keys(str(photo))
    box = browser.find_element(By.ID, "instruction")
    box.clear()
    box.send_keys("Turn this face from disgust to happiness")
    Select(browser.find_element(By.ID, "seconds")).select_by_value("3")
    browser.find_element(By.ID, "go").click()

    duration = _wait(
        browser,
        "const v = document.getElementById('video');"
        "return v.src && v.readyState >= 1 && v.duration > 0 ? v.duration : 0",
        600,
        "the video",
    )
    state = _wait(
        browser,
        "const s = document.getElementById('viewer').dataset.state;"
        "return s === 'loaded' || s === 'error' ? s : ''",
        60,
        "the 3D viewer",
    )
    viewer = browser.find_element(By.ID, "viewer")
    ARTIFACTS.mkdir(exist_ok=True)
    time.sleep(1.0)  # let the viewer draw a few frames for the screenshot
    browser.save_screenshot(str(ARTIFACTS / "web_e2e.png"))
    assert state == "loaded", viewer.text
    assert 2.5 <= duration <= 3.5  # 3 s asked for
    assert int(viewer.get_attribute("data-morph-targets")) >= 53
    assert int(viewer.get_attribute("data-clips")) >= 1
    plan = browser.find_element(By.ID, "plan").text
    assert "disgust" in plan and "happiness" in plan
    assert "planner: generator:i2fet" in plan  # the shipped trained generator, not the prototype fallback
    overlay_ok = browser.execute_script(
        "const i = document.getElementById('overlay'); return i.complete && i.naturalWidth === 512"
    )
    assert overlay_ok
    assert browser.find_element(By.ID, "error").get_attribute("hidden") is not None


def test_bad_instruction_is_shown_on_the_page(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    _wait(browser, "return document.querySelectorAll('#examples .chip').length", 20, "the page to initialise")
    box = browser.find_element(By.ID, "instruction")
    box.clear()
    box.send_keys("paint the sky purple")
    browser.find_element(By.ID, "go").click()
    err, end = "", time.time() + 20
    while time.time() < end and not err:
        err = browser.execute_script(ERROR_TEXT)
        time.sleep(0.2)
    assert "no emotion found" in err and "Traceback" not in err
    assert browser.execute_script("return document.getElementById('go').disabled") is False
