"""The live dashboard in Debian's headless Chromium, through nginx, against the real stack.

A team lead signs in on the page and sees an action recorded elsewhere (through the API, by
an agent of their team) appear without a reload, and not one of another team's; an agent
records an action from their queue on the page. Chromium and chromedriver are installed by
the project's Debian installer when missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from crm.settings import Settings
from runtime.install import ensure_test_browser
from tests.integration.auth_client import call, demo_password, token_for
from tests.integration.conftest import apoll, poll
from tests.integration.feed import core_loan, send_core
from tests.integration.workflow_staff import (
    Desk,
    agent_in,
    assign,
    fresh_cif,
    new_team,
    recorded_once_assigned,
)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Without the background-networking switches Chromium's own connections (updates, sync,
# QUIC probes) are refused on a closed network and slow every page down.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--lang=en-US",
)
LIVE_DEADLINE_S = 30.0


@pytest.fixture(scope="module")
def chromium() -> None:
    """Debian's chromium and chromium-driver, installed the way the runtime installs packages."""
    ensure_test_browser()


@pytest.fixture
def browser(chromium: None, system: Settings, tmp_path: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER)
    )
    # The bank's agents work in its time zone: the page's clock and date inputs use it.
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": system.bank_timezone})
    try:
        yield driver
    finally:
        for entry in driver.get_log("browser"):
            print("browser:", entry.get("level"), entry.get("message"))
        driver.quit()


def find(driver: WebDriver, css: str) -> WebElement | None:
    try:
        found = driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found and found[0].is_displayed() else None
    except StaleElementReferenceException:
        return None  # the page redrew that part just then (live updates): look again


def text_of(driver: WebDriver, css: str) -> str:
    """The text of an element, read in one step (a live page may redraw it at any time)."""
    text = driver.execute_script(
        "const el = document.querySelector(arguments[0]); return el ? el.innerText : '';", css
    )
    return str(text)


def click(driver: WebDriver, css: str, what: str) -> None:
    def clicked() -> bool:
        target = find(driver, css)
        if target is None:
            return False
        try:
            target.click()
        except StaleElementReferenceException:
            return False
        return True

    poll(clicked, deadline_s=LIVE_DEADLINE_S, what=what)


def wait_for(driver: WebDriver, css: str, what: str) -> WebElement:
    return poll(lambda: find(driver, css), deadline_s=LIVE_DEADLINE_S, what=what)


def sign_in(driver: WebDriver, api: str, settings: Settings, username: str) -> None:
    driver.get(f"{api}/dashboard")
    wait_for(driver, "#username", "the sign-in form").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(demo_password(settings, username))
    driver.find_element(By.ID, "login-submit").click()
    wait_for(driver, '#live[data-state="live"]', f"{username}'s live stream")


def set_value(driver: WebDriver, css: str, value: str) -> None:
    """Type into a date/time input whatever the browser's locale (its own format)."""
    driver.execute_script(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input', {bubbles: true}));",
        css,
        value,
    )


async def test_a_team_lead_sees_their_teams_actions_live_and_no_other_teams(
    browser: WebDriver, desk: Desk, system: Settings, api: str, token: str
) -> None:
    team = await new_team(api, token, "dash")
    agent1 = await agent_in(api, system, token, "agent1", team)
    lead = await agent_in(api, system, token, "teamlead1", team)
    led = await call("PUT", f"{api}/api/teams/{team}", token, json={"leadAgentId": lead})
    assert led[0] == 200, led
    cif = fresh_cif()
    await assign(api, token, cif, agent1)
    lead_token = (await token_for(api, system, "teamlead1"))["accessToken"]

    async def lead_sees_customer() -> bool:
        status, _ = await call("GET", f"{api}/api/actions/customer/{cif}", lead_token)
        return status == 200

    # The lead's row scope follows workflow.team-leads and workflow.assignments.
    await apoll(lead_sees_customer, deadline_s=15, what="the lead's scope taking the customer")

    sign_in(browser, api, system, "teamlead1")
    wait_for(browser, "#team-view", "the team view")
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "en"
    browser.execute_script("window.__sameDocument = true;")
    read_at = browser.find_element(By.ID, "updated").get_attribute("data-as-of")

    # Another team's action, decided before ours: it must never reach this page.
    other, other_action = await recorded_once_assigned(desk, desk.agent2, desk.theirs)
    assert other == 201, other_action
    ours, action = await recorded_once_assigned(desk, desk.agent1, cif, result="NO_ANSWER")
    assert ours == 201, action
    row = f'#team-actions tr[data-action-id="{action["actionId"]}"]'
    wait_for(browser, row, "the live action")
    assert cif in text_of(browser, row) and "agent1" in text_of(browser, row)
    assert browser.execute_script("return window.__sameDocument === true;"), "the page reloaded"
    assert not browser.find_elements(
        By.CSS_SELECTOR, f'tr[data-action-id="{other_action["actionId"]}"]'
    )
    # The event also makes the page read the summary again, which lists the action too.
    poll(
        lambda: browser.find_element(By.ID, "updated").get_attribute("data-as-of") != read_at,
        deadline_s=LIVE_DEADLINE_S,
        what="the summary read again after the event",
    )
    assert find(browser, f'#team-actions tr[data-action-id="{action["actionId"]}"]')

    Select(browser.find_element(By.ID, "lang")).select_by_value("vi")
    title = browser.find_element(By.CSS_SELECTOR, '#team-view h2[data-i18n="actions.title"]')
    assert title.text == "Hành động hôm nay"
    assert browser.find_element(By.ID, "live").text == "Trực tiếp"
    # The choice is remembered: after a reload the page is still in Vietnamese.
    browser.refresh()
    wait_for(browser, '#live[data-state="live"]', "the stream after a reload")
    assert browser.find_element(By.ID, "tab-team").text == "Nhóm"


async def test_an_agent_records_an_action_from_their_queue(
    browser: WebDriver, desk: Desk, system: Settings, api: str
) -> None:
    cif = fresh_cif()
    account = f"LD{uuid.uuid4().hex[:12].upper()}"
    send_core(system, [core_loan(account, "40000000", datetime.now(UTC), cif=cif, dpd=45)])

    async def case_open() -> bool:
        got = await call("GET", f"{api}/api/cases/customer/{cif}", desk.admin)
        return got[0] == 200 and got[1]["status"] == "OPEN"

    await apoll(case_open, deadline_s=90, what="the customer's case")
    queue = await call("GET", f"{api}/api/queues/me?all=true", desk.agent1)
    await assign(api, desk.admin, cif, queue[1]["agentId"])

    sign_in(browser, api, system, "agent1")
    wait_for(browser, "#agent-view", "the agent's view")
    # The queue on the page is read again after every event: the new assignment shows.
    click(browser, f'#queue tr[data-cif="{cif}"] button.record', "the customer in the queue")
    assert browser.find_element(By.ID, "f-cif").get_attribute("value") == cif
    Select(browser.find_element(By.ID, "f-type")).select_by_value("CALL")
    Select(browser.find_element(By.ID, "f-subtype")).select_by_value("REMINDER_CALL")
    Select(browser.find_element(By.ID, "f-result")).select_by_value("PROMISE_TO_PAY")
    wait_for(browser, "#f-promise", "the promise fields")
    browser.find_element(By.ID, "f-amount").send_keys("1500000")
    when = desk.a_day_in_hours()
    set_value(browser, "#f-due", (when.date() + timedelta(days=3)).isoformat())
    set_value(browser, "#f-when", when.strftime("%Y-%m-%dT%H:%M"))
    browser.find_element(By.ID, "f-submit").click()

    outcome = wait_for(browser, '#outcome[data-status="201"]', "the 201 answer on the page")
    assert outcome.text.startswith("Recorded."), outcome.text
    action_id = outcome.get_attribute("data-action-id")
    assert action_id
    stored = await call("GET", f"{api}/api/actions/{action_id}", desk.agent1)
    assert stored[0] == 200, stored
    recorded: dict[str, Any] = stored[1]
    assert (recorded["cif"], recorded["result"]["code"]) == (cif, "PROMISE_TO_PAY")
    assert Decimal(recorded["result"]["promise"]["amount"]) == Decimal(1_500_000)
    wait_for(browser, f'#my-actions tr[data-action-id="{action_id}"]', "the action in my list")

    # The same form, half past nine in the evening: the contact rules refuse it, and say which.
    set_value(browser, "#f-when", desk.latest(time(21, 30)).strftime("%Y-%m-%dT%H:%M"))
    browser.find_element(By.ID, "f-submit").click()
    refused = wait_for(browser, '#outcome[data-status="422"]', "the refusal on the page")
    assert "contact hours" in refused.text and "21:30" in refused.text, refused.text
    assert refused.get_attribute("data-action-id") not in ("", action_id)
