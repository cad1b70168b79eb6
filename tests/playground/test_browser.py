"""The playground in headless Chromium (Debian's, driven by Playwright): the issue's whole
flow as people would click it, live updates across two browsers, keyboard use, labels on
every control, and the right-to-left page of a Hebrew directory. Screenshots are saved to
tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, Route, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from bot.playground import catalog
from bot.playground.demo import seed_demo
from handlers.messages import text
from handlers.outcome import describe

from .conftest import ARTIFACTS, WAIT_SECONDS, Playground, hebrew_directory, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONTACT = "contact:acme"
CONTACT_GLOBEX = "contact:globex"
CLIENTS = [("acme", "Acme Corp"), ("globex", "Globex"), ("initech", "Initech")]
TIMEOUT_MS = WAIT_SECONDS * 1000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)
expect.set_options(timeout=TIMEOUT_MS)

# Every visible control with no accessible name: a label, an aria-label or its own text.
UNLABELLED = """() => [...document.querySelectorAll("button, select, textarea, input, summary")]
    .filter((e) => e.offsetParent !== null || e.closest("dialog[open]"))
    .filter((e) => {
        const labels = e.labels ? [...e.labels].map((l) => l.textContent).join("") : "";
        const legend = e.closest("fieldset")?.querySelector("legend")?.textContent || "";
        const own = e.matches("input") ? "" : e.textContent;
        return !(e.getAttribute("aria-label") || labels || own || legend).trim();
    })
    .map((e) => e.outerHTML.slice(0, 120))"""


async def expect_every_control_labelled(page: Page) -> None:
    """Wait until every visible control has an accessible name; fail naming those without."""
    try:
        await page.wait_for_function(f"() => ({UNLABELLED})().length === 0")
    except PlaywrightTimeout:
        raise AssertionError(f"unlabelled: {await page.evaluate(UNLABELLED)}") from None


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def open_page(browser: Browser, playground: Playground, persona: str, channel: str) -> Page:
    context = await browser.new_context(viewport={"width": 1360, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{playground.url}/?as={persona}&channel={channel}")
    await expect(page.locator("#persona")).to_have_value(persona)
    await expect(page.locator("body")).to_have_attribute("data-persona", persona)
    await expect(page.locator("#live")).to_have_attribute("data-live", "true")
    return page


async def act_as(page: Page, persona: str, label: str = "Acting as") -> None:
    """Switch persona, and wait until the page shows that persona's state, live."""
    await page.get_by_label(label).select_option(persona)
    await expect(page.locator("body")).to_have_attribute("data-persona", persona)
    await expect(page.locator("#live")).to_have_attribute("data-live", "true")


async def go_to(page: Page, channel: str) -> None:
    await page.locator(".channel-list button", has_text=channel).click()
    await expect(page.locator("#channel-name")).to_contain_text(channel)


def card(page: Page, case_id: str) -> Locator:
    return page.locator(f'#messages section.card[data-case="{case_id}"]')


async def test_a_complaint_from_first_message_to_closed_case(
    browser: Browser, playground: Playground
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = await open_page(browser, playground, CONTACT, "client-acme")

    # The client complains, mentioning the bot and the employee.
    composer = page.get_by_label("Message #client-acme")
    await composer.fill(
        "@complaintbot The March report was two weeks late. @Dana Levi never replied."
    )
    await composer.press("Enter")
    messages = page.locator("#messages")
    await expect(messages.locator(".mention").first).to_have_text("@complaintbot")
    await page.get_by_role("button", name="2 replies").click()
    thread = page.locator("#thread-messages")
    await expect(thread).to_contain_text("Thank you for raising this. We have opened case C-0001")
    await expect(thread).to_contain_text(
        "Included in this case: @Dana Levi, @Maya Cohen, @Avi Katz."
    )

    # The employee and the manager are pinged in their DMs.
    await act_as(page, "dana")
    dms = page.locator("#dms button", has_text="complaintbot")
    await expect(dms.locator(".badge")).to_have_text(re.compile(r"^1"))
    await dms.click()
    await expect(messages).to_contain_text("A complaint from Acme Corp names you (case C-0001)")
    await act_as(page, "maya")
    await go_to(page, "complaintbot")
    await expect(messages).to_contain_text("Dana Levi is named in a complaint from Acme Corp")

    # The employee adds their account, by keyboard only.
    await act_as(page, "dana")
    await go_to(page, "internal")
    add_account = card(page, "C-0001").get_by_role("button", name="Add my account")
    await add_account.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Your account")
    await expect(dialog.get_by_label("What happened, in your words")).to_be_focused()
    await page.keyboard.type("The report waited on the client's data, which came on the 12th.")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(dialog.get_by_role("button", name="Save")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(add_account).to_be_focused()
    await expect(card(page, "C-0001")).to_contain_text("which came on the 12th")

    # The manager records a verdict.
    await act_as(page, "maya")
    await card(page, "C-0001").get_by_role("button", name="Assess").click()
    dialog = page.get_by_role("dialog", name="Assess the case")
    await expect_every_control_labelled(page)  # every control of the form, too
    await dialog.get_by_label("the client is partly right").check()
    await dialog.get_by_label("Note (internal)").fill("Late data on their side, silence on ours.")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(card(page, "C-0001")).to_contain_text("the client is partly right · Maya Cohen")

    # The account manager resolves.
    await act_as(page, "avi")
    await card(page, "C-0001").get_by_role("button", name="Resolve").click()
    dialog = page.get_by_role("dialog", name="Resolve the case")
    await dialog.get_by_label(re.compile("^Summary for the client")).fill(
        "The report was late because the data came late; we should have told you. "
        "From April you get a note the day a dependency slips."
    )
    await dialog.get_by_role("button", name="Save").click()
    await expect(card(page, "C-0001").locator(".status")).to_have_text("resolved")

    # The client answers the feedback request in the thread.
    await act_as(page, CONTACT)
    await page.get_by_role("button", name=re.compile(r"^\d+ replies$")).click()
    await thread.get_by_role("button", name="Resolved", exact=True).click()
    dialog = page.get_by_role("dialog", name="Your feedback")
    await dialog.get_by_label("Comment (optional)").fill("Thanks, that is fair.")
    await dialog.get_by_role("button", name="Save").click()
    await expect(thread).to_contain_text("Thank you for your feedback. Case C-0001 is closed.")
    await expect(page.locator(".notice")).to_contain_text("Thank you for your feedback.")

    # The internal card shows the case closed, with its whole timeline.
    await act_as(page, "avi")
    await go_to(page, "internal")
    closed = card(page, "C-0001")
    await expect(closed.locator(".status")).to_have_text("closed")
    await expect(closed.get_by_role("button")).to_have_count(1)  # only the link to the thread
    await playground.settle()  # every card change delivered: the card is drawn for the last time
    await closed.locator("summary").click()
    timeline = await playground.runtime.store.timeline("C-0001")
    kinds = [e.kind for e in timeline]
    for kind in ("opened", "account", "verdict", "resolved", "feedback_yes", "closed"):
        assert kind in kinds
    lines = closed.locator(".timeline li .line")
    await expect(lines).to_have_text([describe(e, "en") for e in timeline])
    await expect_every_control_labelled(page)
    await page.set_viewport_size({"width": 1360, "height": 2400})  # the whole card in view
    await closed.screenshot(path=ARTIFACTS / "playground-card.png")
    await page.set_viewport_size({"width": 1360, "height": 900})
    await go_to(page, "client-acme")
    await page.get_by_role("button", name=re.compile(r"^\d+ replies$")).click()
    await expect(thread).to_contain_text("Case C-0001 is closed.")
    await page.screenshot(path=ARTIFACTS / "playground-workspace.png")


async def test_a_second_browser_sees_new_messages_live_and_never_others_notices(
    browser: Browser, playground: Playground
) -> None:
    staff = await open_page(browser, playground, "avi", "client-acme")
    client = await open_page(browser, playground, CONTACT, "client-acme")
    await staff.evaluate("window.notReloaded = true")

    composer = client.get_by_label("Message #client-acme")
    await composer.fill("Is anyone looking at the outage?")
    await composer.press("Enter")
    await expect(staff.locator("#messages")).to_contain_text("Is anyone looking at the outage?")
    assert await staff.evaluate("window.notReloaded") is True

    # The client tries to flag their own message: refused, to them alone.
    await client.get_by_role("button", name="Flag as a complaint (🚩)").click()
    refusal = text("en", "refuse.reaction_by_client")
    await expect(client.locator(".notice")).to_contain_text("Only visible to you")
    await expect(client.locator(".notice")).to_contain_text(refusal)
    await expect(staff.locator(".reaction")).to_contain_text("1")  # the reaction itself shows
    await expect(staff.locator(".notice")).to_have_count(0)

    # The account manager flags it: a case opens, and the client sees the bot answer live.
    await staff.get_by_role("button", name="Flag as a complaint (🚩)").click()
    await expect(staff.locator(".notice")).to_contain_text("Case C-0001 is open for Acme Corp.")
    await expect(client.get_by_role("button", name="2 replies")).to_be_visible()


async def test_a_phoned_in_complaint_is_logged_from_the_dm_in_the_client_channel_chosen(
    browser: Browser, playground: Playground
) -> None:
    page = await open_page(browser, playground, "avi", "dm-avi")
    await expect(page.locator("#composer-hint")).to_have_text(catalog.say("en", "hint_dm"))
    composer = page.get_by_label("Message complaintbot")
    await composer.fill("/complaint @Dana Levi billed us twice")
    await composer.press("Enter")
    dialog = page.get_by_role("dialog", name="Log a complaint")
    channel = dialog.get_by_label("Which client channel it is for")
    await expect(channel.locator("option")).to_have_text([name for _, name in CLIENTS])
    await channel.select_option(label="Globex")
    await expect(dialog.get_by_label("Short summary")).to_have_value("billed us twice")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator(".notice")).to_contain_text("Case C-0001 is open for Globex.")

    await act_as(page, CONTACT_GLOBEX)
    await go_to(page, "client-globex")
    messages = page.locator("#messages")
    await expect(messages).to_contain_text(text("en", "client.logged", actor="Avi Katz"))
    await page.get_by_role("button", name="2 replies").click()
    await expect(page.locator("#thread-messages")).to_contain_text(
        "Thank you for raising this. We have opened case C-0001"
    )


async def test_notices_show_newest_first_and_clear_on_leaving_the_channel_or_persona(
    browser: Browser, playground: Playground
) -> None:
    await playground.say(CONTACT, "client-acme", "Our invoice is wrong.")
    page = await open_page(browser, playground, "avi", "client-acme")
    composer = page.get_by_label("Message #client-acme")
    notices = page.locator("#notices .notice-text")
    await composer.fill("/help")
    await composer.press("Enter")
    await expect(notices).to_have_text([text("en", "usage.complaint")])
    await page.get_by_role("button", name="Flag as a complaint (🚩)").click()
    opened = text("en", "notice.opened", case_id="C-0001", client="Acme Corp")
    await expect(notices).to_have_text([opened, text("en", "usage.complaint")])

    await go_to(page, "internal")
    await expect(notices).to_have_count(0)
    await go_to(page, "client-acme")
    await expect(notices).to_have_count(0)  # an answer does not wait for one's return

    await composer.fill("/help")
    await composer.press("Enter")
    await expect(notices).to_have_count(1)
    await act_as(page, "ron")
    await expect(notices).to_have_count(0)
    await act_as(page, "avi")
    await expect(notices).to_have_count(0)


async def test_a_late_answer_for_the_previous_persona_never_undoes_a_switch(
    browser: Browser, playground: Playground
) -> None:
    page = await open_page(browser, playground, "avi", "client-acme")
    held: list[Route] = []

    async def hold_avis_state(route: Route) -> None:
        if "persona=avi" in route.request.url:
            held.append(route)  # answered only once the page acts as someone else
        else:
            await route.continue_()

    await page.route("**/playground/api/state?*", hold_avis_state)
    await playground.say(CONTACT, "client-acme", "Is anyone there?")  # avi's page refetches

    async def avis_refetch_is_held() -> bool:
        return bool(held)

    await wait_for(avis_refetch_is_held)
    await act_as(page, CONTACT)  # shown at once, without waiting for avi's answer
    async with page.expect_response(lambda r: "persona=avi" in r.url):
        for route in held:
            await route.continue_()
    await page.unroute("**/playground/api/state?*")

    await playground.say(CONTACT, "client-acme", "Hello again.")
    await expect(page.locator("#messages")).to_contain_text("Hello again.")
    await expect(page.locator("body")).to_have_attribute("data-persona", CONTACT)
    await expect(page.get_by_label("Acting as")).to_have_value(CONTACT)
    await expect(page.locator(".channel-list button")).to_have_count(1)  # a contact's one channel


# Every element that shows a message's (or a notice's, a card item's, a timeline line's) text.
TEXTS = "#messages .text, #thread-messages .text, .notice-text, .item-text, .timeline .line"


async def expect_texts_read_in_their_own_direction(page: Page) -> None:
    await expect(page.locator(TEXTS).first).to_be_attached()
    await expect(page.locator(f":is({TEXTS}):not([dir='auto'])")).to_have_count(0)


async def test_each_message_reads_in_its_own_direction(
    browser: Browser, playground: Playground
) -> None:
    await playground.say(CONTACT, "client-acme", "הדוח של מרץ שוב איחר, @Dana Levi")
    await playground.say(CONTACT, "client-acme", "The report is late again.")
    page = await open_page(browser, playground, "avi", "client-acme")
    hebrew = page.locator("#messages .text", has_text="הדוח של מרץ")
    english = page.locator("#messages .text", has_text="The report is late")
    await expect(hebrew).to_have_attribute("dir", "auto")
    await expect(english).to_have_attribute("dir", "auto")
    await expect(hebrew).to_have_css("direction", "rtl")
    await expect(english).to_have_css("direction", "ltr")
    await expect_texts_read_in_their_own_direction(page)


async def test_a_hebrew_directory_gets_a_right_to_left_workspace(
    browser: Browser, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    playground = await Playground(tmp_path, hebrew_directory(tmp_path)).start()
    try:
        assert await seed_demo(playground.runtime) == 10
        await playground.settle()
        page = await open_page(browser, playground, "avi", "internal")
        assert await page.evaluate("document.documentElement.dir") == "rtl"
        assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        sidebar = await page.locator("nav.sidebar").bounding_box()
        main = await page.locator("main").bounding_box()
        assert sidebar and main and sidebar["x"] > main["x"]  # the sidebar is on the right
        await expect(page.get_by_label(catalog.say("he", "persona"))).to_have_value("avi")
        await expect(page.locator("section.card")).to_have_count(10)
        await expect(page.locator("section.card .status").first).to_have_text("פתוחה")
        await expect_texts_read_in_their_own_direction(page)
        await expect_every_control_labelled(page)
        await page.screenshot(path=ARTIFACTS / "playground-workspace-he.png")
        await playground.say(CONTACT, "client-acme", "The export drops Hebrew names.")
        await go_to(page, "client-acme")
        english = page.locator("#messages .text", has_text="The export drops")
        await expect(english).to_have_attribute("dir", "auto")
        await expect(english).to_have_css("direction", "ltr")
        await expect_texts_read_in_their_own_direction(page)
    finally:
        await playground.stop()
