"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the tests still use the ORM to set up data.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The center's staff work in Chinese: the browser asks for zh-CN, which Django serves as zh-hans.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1400, "height": 1000}}
