"""The chat page in a real headless browser (Debian's chromium + chromedriver, via selenium)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.fail("chromium and chromedriver are needed (apt-get install chromium chromium-driver; see README).")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _ask(browser, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    bots_before = len(browser.find_elements(By.CSS_SELECTOR, ".message.bot"))
    box = browser.find_element(By.ID, "message")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "send").click()
    wait = WebDriverWait(browser, 120)
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".message.bot")) > bots_before
               and b.find_elements(By.CSS_SELECTOR, ".message.bot")[-1].text != "…")
    wait.until(ec.element_to_be_clickable((By.ID, "send")))
    return browser.find_elements(By.CSS_SELECTOR, ".message.bot")[-1]


def test_typing_a_request_shows_cards(browser, live_server, service):
    from selenium.webdriver.common.by import By

    movies = service.recommender.catalogue.movies
    title = movies[movies["recommendations"].notna()]["label"].iloc[0]
    browser.get(live_server + "/")
    assert "Pelliculum" in browser.title
    answer = _ask(browser, f"Suggest movies similar to {title}")
    cards = answer.find_elements(By.CSS_SELECTOR, ".card")
    assert 1 <= len(cards) <= 8
    first = cards[0]
    assert first.find_element(By.CSS_SELECTOR, "h3").text  # title
    assert first.find_elements(By.CSS_SELECTOR, ".placeholder, img")  # poster or placeholder
    assert title in answer.find_element(By.CSS_SELECTOR, ".bubble").text


def test_nothing_is_injected_into_the_page(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/")
    hostile = '<img src=x onerror="document.body.dataset.pwned=1">"<script>alert(1)</script>'
    _ask(browser, hostile)
    assert browser.execute_script("return document.body.dataset.pwned") is None
    user_bubbles = browser.find_elements(By.CSS_SELECTOR, ".message.user .bubble")
    assert user_bubbles[-1].text == hostile  # shown as text, not markup
    assert not browser.find_elements(By.CSS_SELECTOR, ".bubble img, .bubble script")
