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

    bots_before = len(browser.find_elements(By.CSS_SELECTOR, ".message.bot"))
    box = browser.find_element(By.ID, "message")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "send").click()
    return _wait_for_answer(browser, bots_before)


def _wait_for_answer(browser, bots_before):
    """The new bot answer, once the "…" bubble is gone and the page takes input again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # the "…" bubble is removed when the answer comes: a bubble found a moment before may be gone
    wait = WebDriverWait(browser, 120, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".message.bot")) > bots_before
               and b.find_elements(By.CSS_SELECTOR, ".message.bot")[-1].text != "…")
    wait.until(ec.element_to_be_clickable((By.ID, "send")))
    return browser.find_elements(By.CSS_SELECTOR, ".message.bot")[-1]


def _start(browser, url):
    """The page with an empty thread (the thread is kept in localStorage across loads)."""
    browser.get(url + "/")
    browser.execute_script("localStorage.clear()")
    browser.get(url + "/")


def _film_ids(answer):
    from selenium.webdriver.common.by import By

    return [card.get_attribute("data-film-id") for card in answer.find_elements(By.CSS_SELECTOR, ".card")]


def _title_with_many_neighbours(service, need=16):
    """A catalogue film whose own list names at least ``need`` films of the sample (two pages of answers)."""
    movies = service.recommender.catalogue.movies
    known = set(movies["id"].astype(str))
    listed = movies[movies["recommendations"].notna()]
    for label, neighbours in zip(listed["label"], listed["recommendations"]):
        if sum(n in known for n in str(neighbours).split("-")) >= need:
            return label  # measured: Mad Max: Fury Road, the sample's first such film
    pytest.fail(f"no film of the catalogue names {need} of its films")


def test_typing_a_request_shows_cards(browser, live_server, service):
    from selenium.webdriver.common.by import By

    movies = service.recommender.catalogue.movies
    title = movies[movies["recommendations"].notna()]["label"].iloc[0]
    _start(browser, live_server)
    assert "Pelliculum" in browser.title
    answer = _ask(browser, f"Suggest movies similar to {title}")
    cards = answer.find_elements(By.CSS_SELECTOR, ".card")
    assert 1 <= len(cards) <= 8
    first = cards[0]
    assert first.find_element(By.CSS_SELECTOR, "h3").text  # title
    assert not answer.find_elements(By.CSS_SELECTOR, ".placeholder")  # no empty poster block
    assert all((img.get_attribute("src") or "").startswith("https://")
               for img in answer.find_elements(By.CSS_SELECTOR, ".card img"))  # posters only from https URLs
    assert title in answer.find_element(By.CSS_SELECTOR, ".bubble").text


def test_nothing_is_injected_into_the_page(browser, live_server):
    from selenium.webdriver.common.by import By

    _start(browser, live_server)
    hostile = '<img src=x onerror="document.body.dataset.pwned=1">"<script>alert(1)</script>'
    _ask(browser, hostile)
    assert browser.execute_script("return document.body.dataset.pwned") is None
    user_bubbles = browser.find_elements(By.CSS_SELECTOR, ".message.user .bubble")
    assert user_bubbles[-1].text == hostile  # shown as text, not markup
    assert not browser.find_elements(By.CSS_SELECTOR, ".bubble img, .bubble script")


def test_more_continues_the_conversation_and_survives_a_reload(browser, live_server, service):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    title = _title_with_many_neighbours(service)
    _start(browser, live_server)
    first = _film_ids(_ask(browser, f"Suggest movies similar to {title}"))
    assert first
    stored = browser.execute_script("return JSON.parse(localStorage.getItem('pelliculum.thread.v1'))")
    assert stored["conversationId"]  # the server's conversation_id is kept
    second = _film_ids(_ask(browser, "more"))
    assert second, "the second answer has cards"
    assert not set(first) & set(second), "'more' repeats no film of the first answer"

    browser.refresh()
    WebDriverWait(browser, 10).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".message.bot")) >= 2)
    bots = browser.find_elements(By.CSS_SELECTOR, ".message.bot")
    assert [_film_ids(bots[-2]), _film_ids(bots[-1])] == [first, second]
    users = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".message.user .bubble")]
    assert users == [f"Suggest movies similar to {title}", "more"]

    browser.find_element(By.ID, "new").click()  # "New conversation" empties the thread and the storage
    assert not browser.find_elements(By.CSS_SELECTOR, ".message")
    assert browser.execute_script("return localStorage.getItem('pelliculum.thread.v1')") is None


def test_removing_a_chip_asks_again_without_that_constraint(browser, live_server):
    from selenium.webdriver.common.by import By

    _start(browser, live_server)
    answer = _ask(browser, "a comedy from the 90s")
    chips = answer.find_elements(By.CSS_SELECTOR, ".chip")
    keys = [chip.get_attribute("data-key") for chip in chips]
    assert keys == ["genres:Comedy", "years:"], answer.text  # one chip is left after removing the first
    removed = keys[0]
    button = chips[0].find_element(By.CSS_SELECTOR, "button")
    label = chips[0].find_element(By.CSS_SELECTOR, "span").text
    assert button.get_attribute("aria-label") == f"Remove {label}"
    bots_before = len(browser.find_elements(By.CSS_SELECTOR, ".message.bot"))

    button.click()
    after = _wait_for_answer(browser, bots_before)
    assert "error" not in after.get_attribute("class"), after.text
    assert removed not in [chip.get_attribute("data-key") for chip in after.find_elements(By.CSS_SELECTOR, ".chip")]
    # only the latest answer's chips can be removed
    bots = browser.find_elements(By.CSS_SELECTOR, ".message.bot")
    earlier, latest = (b.find_elements(By.CSS_SELECTOR, ".chip button") for b in (bots[-2], after))
    assert len(earlier) == 2 and all(not b.is_enabled() for b in earlier)
    assert len(latest) == 1 and all(b.is_enabled() for b in latest)


def test_a_card_opens_its_details_and_esc_closes_them(browser, live_server, service):
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    title = _title_with_many_neighbours(service)
    _start(browser, live_server)
    card = _ask(browser, f"Suggest movies similar to {title}").find_elements(By.CSS_SELECTOR, ".card")[0]
    film_id = card.get_attribute("data-film-id")
    name = card.find_element(By.CSS_SELECTOR, "h3").text
    details = browser.find_element(By.ID, "details")
    wait = WebDriverWait(browser, 10)
    active_id = "return document.activeElement && document.activeElement.dataset.filmId"

    card.click()
    wait.until(lambda b: details.is_displayed())
    assert details.find_element(By.CSS_SELECTOR, "h2").text == name
    link = details.find_element(By.CSS_SELECTOR, 'a[href^="https://www.themoviedb.org/movie/"]')
    assert link.get_attribute("href").rstrip("/").endswith(f"/{film_id}")
    full = httpx.get(f"{live_server}/movies/{film_id}", timeout=10)
    body = full.json()  # the details route: cast and runtime are shown once fetched
    assert full.status_code == 200 and body["cast"] and body["runtime"], body  # measured: Ex Machina, 108 min
    wait.until(lambda b: body["cast"][0] in details.find_element(By.CSS_SELECTOR, "dl").text)
    wait.until(lambda b: "Runtime" in details.find_element(By.CSS_SELECTOR, "dl").text)
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(lambda b: not details.is_displayed())
    assert browser.execute_script(active_id) == film_id  # focus back on the card

    browser.switch_to.active_element.send_keys(Keys.ENTER)  # the keyboard opens it too
    wait.until(lambda b: details.is_displayed())
    assert details.find_element(By.CSS_SELECTOR, "h2").text == name
    details.find_element(By.CSS_SELECTOR, "button.close").click()
    wait.until(lambda b: not details.is_displayed())
    assert browser.execute_script(active_id) == film_id


def test_phone_width_has_no_horizontal_scroll(browser, live_server, service):
    from selenium.webdriver.common.by import By

    title = _title_with_many_neighbours(service)
    size = browser.get_window_size()
    browser.set_window_size(375, 800)
    try:
        _start(browser, live_server)
        width = browser.execute_script("return window.innerWidth")
        assert width <= 400
        answer = _ask(browser, f"Suggest movies similar to {title}")
        assert answer.find_elements(By.CSS_SELECTOR, ".card")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        assert browser.execute_script("return document.getElementById('conversation').scrollWidth"
                                      " <= document.getElementById('conversation').clientWidth")
        tallest = browser.execute_script(
            "return Math.max(...[...document.querySelectorAll('.card')].map(c => c.getBoundingClientRect().height))")
        assert tallest <= browser.execute_script("return window.innerHeight")
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_an_error_is_shown_as_its_detail_and_keeps_the_thread(browser, live_server, service):
    from selenium.webdriver.common.by import By

    title = _title_with_many_neighbours(service)
    _start(browser, live_server)
    _ask(browser, f"Suggest movies similar to {title}")
    browser.execute_script("""const s = JSON.parse(localStorage.getItem('pelliculum.thread.v1'));
                              s.conversationId = 'no-such-conversation';
                              localStorage.setItem('pelliculum.thread.v1', JSON.stringify(s));""")
    browser.refresh()
    answer = _ask(browser, "more")
    assert "error" in answer.get_attribute("class")
    assert answer.find_element(By.CSS_SELECTOR, ".bubble").text  # the server's detail
    assert "Traceback" not in answer.text
    bots = browser.find_elements(By.CSS_SELECTOR, ".message.bot")
    assert len(bots) == 2 and bots[0].find_elements(By.CSS_SELECTOR, ".card")  # the thread is kept
    answer = _ask(browser, f"Suggest movies similar to {title}")  # and the next message starts afresh
    assert answer.find_elements(By.CSS_SELECTOR, ".card")


def test_card_buttons_reject_and_pivot_and_the_rejected_chip_can_be_removed(browser, live_server, service):
    from selenium.webdriver.common.by import By

    title = _title_with_many_neighbours(service)
    _start(browser, live_server)
    answer = _ask(browser, f"Suggest movies similar to {title}")
    first = _film_ids(answer)
    assert len(first) >= 3
    card = answer.find_elements(By.CSS_SELECTOR, ".card")[0]
    name = card.find_element(By.CSS_SELECTOR, "h3").text
    not_for_me = card.find_element(By.CSS_SELECTOR, ".action.not-for-me")
    assert not_for_me.get_attribute("aria-label") == f"Not for me — {name}"
    bots_before = len(browser.find_elements(By.CSS_SELECTOR, ".message.bot"))
    not_for_me.click()
    after = _wait_for_answer(browser, bots_before)
    assert "error" not in after.get_attribute("class"), after.text
    assert browser.find_element(By.ID, "details").get_attribute("open") is None  # the card did not open
    assert first[0] not in _film_ids(after)
    keys = [chip.get_attribute("data-key") for chip in after.find_elements(By.CSS_SELECTOR, ".chip")]
    assert f"rejected:{first[0]}" in keys
    assert browser.find_elements(By.CSS_SELECTOR, ".message.user .bubble")[-1].text == f"Not for me: {name}"

    target = after.find_elements(By.CSS_SELECTOR, ".card")[1]
    target_id, target_name = target.get_attribute("data-film-id"), target.find_element(By.CSS_SELECTOR, "h3").text
    bots_before = len(browser.find_elements(By.CSS_SELECTOR, ".message.bot"))
    target.find_element(By.CSS_SELECTOR, ".action.more-like").click()
    pivot = _wait_for_answer(browser, bots_before)
    assert "error" not in pivot.get_attribute("class"), pivot.text
    assert target_name in pivot.find_element(By.CSS_SELECTOR, ".ref").text  # the answer is about that film
    assert target_id not in _film_ids(pivot) and first[0] not in _film_ids(pivot)

    chip = next(c for c in pivot.find_elements(By.CSS_SELECTOR, ".chip")
                if c.get_attribute("data-key") == f"rejected:{first[0]}")
    bots_before = len(browser.find_elements(By.CSS_SELECTOR, ".message.bot"))
    chip.find_element(By.CSS_SELECTOR, "button").click()
    back = _wait_for_answer(browser, bots_before)
    assert "error" not in back.get_attribute("class"), back.text
    assert f"rejected:{first[0]}" not in [c.get_attribute("data-key") for c in back.find_elements(By.CSS_SELECTOR, ".chip")]
