"""What the browser tests share: logging in through the login page."""

from __future__ import annotations

from playwright.sync_api import Page
from web_kit import PASSWORD


def log_in(page: Page, base: str, name: str, words: dict[str, str], target: str) -> None:
    """Open `target`, log in as `name` on the login page it leads to (its labels in `words`),
    and wait until the browser is back on `target`."""
    page.goto(base + target)
    page.get_by_label(words["name"]).fill(name)
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["login"]).click()
    page.wait_for_url(base + target)
