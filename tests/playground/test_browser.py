"""A real browser drives the playground: headless Chromium (Debian's ``chromium`` and
``chromium-driver`` packages, installed for CI by ``make browser-deps``) through Selenium.

The browser and the driver are the system's binaries, named explicitly, so Selenium never
downloads anything. Screenshots go to the test's temporary folder; with
``ROSENBLATT_PLAYGROUND_SCREENSHOT=path`` the trained-circle one is also copied there
(``make docs/playground.png`` writes the README's picture that way).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason="the browser test needs Debian's chromium and chromium-driver "
    "(/usr/bin/chromium, /usr/bin/chromedriver); `make browser-deps` installs them",
)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

import rosenblatt as rb  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,900",
]


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def driver(tmp_path_factory, downloads):
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never go online
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield browser
    browser.quit()


def wait(driver, js: str, timeout: float = 20):
    """Wait until the JavaScript expression ``js`` is truthy; returns its value."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(f"return {js}")
    )


def open_page(driver, url: str) -> str:
    """Open ``url`` in a new tab (a new session); returns the session token."""
    driver.switch_to.new_window("tab")
    driver.get(url)
    wait(driver, "document.body.dataset.ready === '1'")
    return driver.execute_script("return window.rbPlayground.session")


def js_state(driver, path: str):
    return driver.execute_script(f"return window.rbPlayground.state.{path}")


def api(server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path.lstrip("/"), timeout=30) as r:
        return json.loads(r.read())


def pixel(driver, canvas: str, fx: float, fy: float) -> list[int]:
    """RGB of the canvas at fractions (fx, fy) of its width and height."""
    return driver.execute_script(
        "const c = document.getElementById(arguments[0]);"
        "const d = c.getContext('2d').getImageData(Math.floor(arguments[1] * (c.width - 1)),"
        " Math.floor(arguments[2] * (c.height - 1)), 1, 1).data; return [d[0], d[1], d[2]];",
        canvas,
        fx,
        fy,
    )


def test_play_trains_the_circle_and_the_link_reproduces_the_setup(server, driver, shots):
    token = open_page(driver, server.url)
    assert js_state(driver, "config.dataset") == "circle"
    circle_points = js_state(driver, "points.train")

    # change the data set, and back
    driver.find_element(By.CSS_SELECTOR, "button[data-dataset='xor']").click()
    wait(driver, "window.rbPlayground.state.config.dataset === 'xor'")
    assert js_state(driver, "points.train") != circle_points
    assert "active" in driver.find_element(
        By.CSS_SELECTOR, "button[data-dataset='xor']"
    ).get_attribute("class")
    driver.find_element(By.CSS_SELECTOR, "button[data-dataset='circle']").click()
    wait(driver, "window.rbPlayground.state.config.dataset === 'circle'")
    assert js_state(driver, "points.train") == circle_points  # same seed, same data

    # add a hidden layer: 4-2 becomes 4-2-2, drawn with its own column
    driver.find_element(By.ID, "add-layer").click()
    wait(driver, "window.rbPlayground.state.config.layers.length === 3")
    assert js_state(driver, "config.layers") == [4, 2, 2]
    assert driver.find_element(By.ID, "layer-count").text.lower() == "3 hidden layers"
    assert len(driver.find_elements(By.CSS_SELECTOR, ".node.hidden")) == 8
    Select(driver.find_element(By.ID, "lr")).select_by_value("0.1")
    wait(driver, "window.rbPlayground.state.config.lr === 0.1")

    # play until the test loss is small, then pause
    driver.find_element(By.ID, "play").click()
    wait(driver, "window.rbPlayground.playing")
    wait(driver, "Number(document.getElementById('test-loss').textContent) < 0.05", timeout=40)
    driver.find_element(By.ID, "play").click()
    wait(driver, "!window.rbPlayground.playing")
    time.sleep(0.5)  # the last step finishes
    served = api(server, f"/api/state?session={token}")
    assert served["epoch"] > 0 and served["test_loss"] < 0.05
    wait(driver, f"window.rbPlayground.state.epoch === {served['epoch']}")
    shown = float(driver.find_element(By.ID, "test-loss").text)
    assert shown == pytest.approx(served["test_loss"], abs=5e-4)
    assert driver.find_element(By.ID, "epoch").text.replace(",", "") == f"{served['epoch']:06d}"
    # the drawn output: orange (class 0) in the middle of the plane, blue (class 1) near the
    # edge, where the trained network puts them
    centre, edge = pixel(driver, "heatmap", 0.5, 0.5), pixel(driver, "heatmap", 0.5, 0.08)
    assert centre[0] > centre[2] + 40 and edge[2] > edge[0] + 40, (centre, edge)

    driver.find_element(By.ID, "show-test").click()
    driver.execute_script("window.scrollTo(0, 0)")
    shot = shots / "playground-circle.png"
    driver.save_screenshot(str(shot))
    if os.environ.get("ROSENBLATT_PLAYGROUND_SCREENSHOT"):
        shutil.copy(shot, os.environ["ROSENBLATT_PLAYGROUND_SCREENSHOT"])
    driver.find_element(By.CSS_SELECTOR, "#share summary").click()
    driver.find_element(By.CSS_SELECTOR, "input[data-hide='noise']").click()
    driver.find_element(By.CSS_SELECTOR, "input[data-hide='features']").click()

    # the URL holds the setup: a new tab (a new session) opened on it shows the same
    link = driver.current_url
    for part in ("dataset=circle", "layers=4,2,2", "lr=0.1", "showTest=1", "hide=noise,features"):
        assert part in link
    config = js_state(driver, "config")
    other = open_page(driver, link)
    assert other != token
    assert api(server, f"/api/state?session={other}")["config"] == config
    assert Select(driver.find_element(By.ID, "lr")).first_selected_option.text == "0.1"
    assert driver.find_element(By.ID, "layer-count").text.lower() == "3 hidden layers"
    assert driver.find_element(By.ID, "show-test").is_selected()
    assert not driver.find_element(By.CSS_SELECTOR, "[data-control='noise']").is_displayed()
    assert driver.find_element(By.CSS_SELECTOR, "[data-control='lr']").is_displayed()
    x1_squared = driver.find_element(By.CSS_SELECTOR, ".node[data-feature='x1sq']")
    assert x1_squared.is_displayed()  # features are shown, but cannot be switched
    x1_squared.click()
    time.sleep(0.5)
    assert js_state(driver, "config.features") == ["x1", "x2"]

    # a link with a bad value: the error is shown, the rest of the link applies
    open_page(driver, link.replace("lr=0.1", "lr=fast"))
    error = driver.find_element(By.ID, "error-text").text
    assert "lr must be a number in (0, 10], got 'fast'" in error
    assert js_state(driver, "config.layers") == [4, 2, 2]


def test_upload_a_csv_and_download_the_model(server, driver, downloads, shots, tmp_path):
    token = open_page(driver, server.url)
    upload = driver.find_element(By.ID, "upload")

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c,d\n1,2,3,4\n")
    upload.send_keys(str(bad))
    wait(driver, "!document.getElementById('error').hidden")
    assert "3 columns" in driver.find_element(By.ID, "error-text").text
    assert js_state(driver, "config.dataset") == "circle"

    rng = np.random.default_rng(0)
    good = tmp_path / "animals.csv"
    rows = [
        f"{a:.4f},{b:.4f},{kind}"
        for i, kind in enumerate(["cat", "dog", "eel"] * 40)
        for a, b in [rng.normal(loc=2.5 * (i % 3), size=2)]
    ]
    good.write_text("height,weight,kind\n" + "\n".join(rows) + "\n")
    upload.send_keys(str(good))
    wait(driver, "window.rbPlayground.state.config.dataset === 'upload'")
    assert js_state(driver, "classes") == ["cat", "dog", "eel"]
    assert driver.find_element(By.ID, "error").is_displayed() is False
    assert "class eel" in driver.find_element(By.ID, "legend").text
    assert driver.find_element(By.ID, "axis-x").text == "height"
    for _ in range(3):
        driver.find_element(By.ID, "step").click()
    wait(driver, "window.rbPlayground.state.epoch === 3")
    driver.save_screenshot(str(shots / "playground-upload.png"))

    driver.find_element(By.ID, "dl-model").click()
    path = downloads / "playground-model.safetensors"
    deadline = time.monotonic() + 20
    while not path.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path.is_file(), sorted(downloads.iterdir())
    model = rb.load(path)
    assert model.classes == ["cat", "dog", "eel"]
    assert model.metadata["playground"]["epoch"] == 3
    # the downloaded model computes what the page draws: its class probabilities on the
    # heatmap's grid
    heat = api(server, f"/api/heatmap?session={token}&resolution=12")
    state = api(server, f"/api/state?session={token}")
    (x0, x1), (y0, y1) = state["domain"]["x"], state["domain"]["y"]
    grid = np.array([(x, y) for y in np.linspace(y1, y0, 12) for x in np.linspace(x0, x1, 12)])
    with rb.no_grad():
        logits = model(rb.tensor(model.preprocessing.transform(grid).astype(np.float32)))
    z = np.asarray(logits, dtype=np.float64)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(heat["output"], p.T.reshape(3, 12, 12), atol=2e-6)
