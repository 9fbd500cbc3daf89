"""One demo stack for the session (consentd, portal, bank, data source on free
ports of 127.0.0.1, in a temporary directory), one fresh headless Chromium per
test. A failing test leaves a screenshot, the page source and the services'
logs in `$DEMO_ARTIFACTS` (default: the session's temporary directory) and says where."""

import os
import pathlib
import shutil

import pytest

from consent_demo.browser import Story, chromium
from consent_demo.stack import Stack, find_bin_dir

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    bin_dir = find_bin_dir(REPO)
    for name in ("consentd", "consentctl"):
        if not (bin_dir / name).exists():
            pytest.fail("%s not found in %s: build first (make test, or swift build)" % (name, bin_dir))
    with Stack(bin_dir, tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)


@pytest.fixture
def story(stack, request, tmp_path_factory):
    driver = chromium()
    try:
        yield Story(driver, stack)
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            directory = pathlib.Path(os.environ.get("DEMO_ARTIFACTS") or tmp_path_factory.mktemp("failed"))
            directory = directory / request.node.name
            directory.mkdir(parents=True, exist_ok=True)
            try:
                driver.save_screenshot(str(directory / "page.png"))
                (directory / "page.html").write_text(driver.page_source)
                (directory / "url.txt").write_text(driver.current_url + "\n")
            except Exception as error:  # the browser itself may be what failed
                (directory / "browser-error.txt").write_text(repr(error))
            for log in stack.logs.glob("*.log"):
                shutil.copy(log, directory / log.name)
            print("\nbrowser test %s failed: screenshot, page and logs in %s" % (request.node.name, directory))
        driver.quit()
