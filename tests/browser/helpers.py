"""Steps the browser tests share: screenshots, and logging an incident through the desk's form."""

from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
saved_screenshots: list[Path] = []


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/; the run lists them at the end."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    saved_screenshots.append(path)
    print(f"screenshot: {path}")
    return path


def fill_incident_form(page: Page, *, title, kind, start_date, place_text, description="", latitude="", longitude=""):
    """Type an incident into the "Log incident" form, as an analyst does (the page must be open)."""
    form = page.locator("#incident-form")
    form.get_by_label("Title", exact=True).fill(title)
    form.get_by_label("Kind", exact=True).select_option(kind)
    form.get_by_label("Start date").fill(start_date)
    form.get_by_label("Date precision").select_option("day")
    form.get_by_label("Place text").fill(place_text)
    form.get_by_label("Description").fill(description)
    if latitude or longitude:
        form.get_by_label("Latitude").fill(latitude)
        form.get_by_label("Longitude").fill(longitude)
        form.get_by_label("Longitude").press("Tab")  # the map follows typed coordinates on "change"
    return form


def save_incident(page: Page):
    """Press "Save incident" and wait for the incident's own page."""
    page.locator("#incident-form").get_by_role("button", name="Save incident").click()
    expect(page.locator(".messages")).to_contain_text("Incident saved.")
    return int(page.url.split("/incidents/")[1].split("/")[0])
