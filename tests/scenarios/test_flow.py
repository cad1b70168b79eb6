"""The complaint flow, written once against the Driver and run on every adapter.

Each scenario speaks of the example directory: Acme Corp's contact complains, naming Dana
(employee), whose manager is Maya; Avi is Acme's account manager; Eli is not named; Ron
is the lead.
"""

from __future__ import annotations

from handlers.messages import text
from handlers.model import Status, Verdict
from tests.scenarios.drivers import Driver, Shown, contact

CLIENT = contact("acme")
COMPLAINT = "The March report was two weeks late and wrong. {dana} never replied."
STATEMENT = "It was due on the 1st. We need the corrected one by Friday."
ACCOUNT = "I sent the draft on the 3rd and asked for the figures twice. ACCOUNT-7781"
NOTE = "The delay is ours, the figures were theirs to send. NOTE-4412"
SUMMARY = "The corrected report went out today, and from now on a status note every Friday."
REQUEST = "Client wants a dashboard with live figures. REQUEST-9051"


def say(key: str, **params: str) -> str:
    return text("en", key, **params)


def having(texts: list[str], *words: str) -> list[str]:
    return [t for t in texts if all(w in t for w in words)]


async def open_case(driver: Driver) -> str:
    case_id = await driver.complain(as_client_of="acme", text=COMPLAINT, naming=("dana",))
    await driver.settle()
    return case_id


async def step(driver: Driver, person: str, action: str, case_id: str, **values: object) -> str:
    """Press a button and fill its form; both must be accepted. Returns the notice."""
    shown = await driver.press(person, action, case_id)
    assert shown.form == action and shown.refusal is None, (person, action, shown)
    told = await driver.submit(person, action, case_id, dict(values))
    assert told.error is None, (person, action, told)
    await driver.settle()
    return told.notice


async def whole_flow(driver: Driver) -> tuple[str, Shown]:
    """From the complaint to the client's "Resolved", every step accepted; returns the case
    and the feedback form the client was shown."""
    case_id = await open_case(driver)
    await driver.reply_in_thread(case_id, STATEMENT, as_=CLIENT)
    await driver.reply_in_thread(case_id, "Thank you, we are looking into it.", as_="avi")
    await step(driver, "dana", "account", case_id, account=ACCOUNT)
    await step(driver, "maya", "assess", case_id, verdict="partly_right", note=NOTE)
    await step(driver, "avi", "resolve", case_id, resolution=SUMMARY, change_requests=REQUEST)
    form = await driver.press(CLIENT, "feedback_yes", case_id)
    assert form.form == "feedback_yes", form
    told = await driver.submit(CLIENT, "feedback_yes", case_id, {"comment": "All good now."})
    assert told.error is None, told
    await driver.settle()
    return case_id, form


# --- (1) the whole flow ---------------------------------------------------------------------


async def test_the_whole_flow_from_complaint_to_closed(driver: Driver) -> None:
    # The client complains, naming Dana.
    case_id = await open_case(driver)
    case = await driver.case(case_id)
    assert case.status is Status.OPEN and case.client_id == "acme"
    assert case.affected == ("dana",) and case.managers == ("maya",)
    assert case.account_manager == "avi"
    assert not case.raised_by.internal and case.summary.startswith("The March report")
    thread = await driver.client_thread(case_id)
    assert having(thread, "The March report was two weeks late", "@Dana Levi"), thread
    assert having(thread, f"Thank you for raising this. We have opened case {case_id}"), thread
    included = having(thread, "Included in this case:")
    assert len(included) == 1, thread
    assert all(f"@{name}" in included[0] for name in ("Dana Levi", "Maya Cohen", "Avi Katz"))
    assert having(await driver.dms("dana"), "names you", case_id)
    assert having(await driver.dms("maya"), "Dana Levi is named in a complaint", case_id)
    assert having(await driver.dms("avi"), "You steer it", case_id)
    assert having(await driver.internal_texts(case_id), case_id, "Acme Corp")

    # The client answers in the thread; Avi replies there: on the record, said once.
    await driver.reply_in_thread(case_id, STATEMENT, as_=CLIENT)
    await driver.reply_in_thread(case_id, "Thank you, we are looking into it.", as_="avi")
    await driver.settle()
    case = await driver.case(case_id)
    assert case.client_statements[-1].text == STATEMENT
    assert [r.author.person_id for r in case.public_replies] == ["avi"]
    assert case.status is Status.ACKNOWLEDGED
    thread = await driver.client_thread(case_id)
    assert len(having(thread, STATEMENT)) == 1, thread

    # Dana gives her account.
    notice = await step(driver, "dana", "account", case_id, account=ACCOUNT)
    case = await driver.case(case_id)
    assert case.accounts["dana"].text == ACCOUNT and case.status is Status.INVESTIGATING
    assert case_id in notice
    assert having(await driver.client_thread(case_id), say("client.investigating", case_id=case_id))
    assert having(await driver.internal_texts(case_id), ACCOUNT)

    # Maya, her manager, assesses: partly right, with a note. The client is told nothing.
    before = await driver.client_thread(case_id, notices=False)
    await step(driver, "maya", "assess", case_id, verdict="partly_right", note=NOTE)
    assert await driver.client_thread(case_id, notices=False) == before
    case = await driver.case(case_id)
    assert case.verdict is Verdict.PARTLY_RIGHT and case.verdict_by == "maya"
    assert case.verdict_note == NOTE and case.status is Status.INVESTIGATING
    assert having(await driver.internal_texts(case_id), NOTE)

    # Avi, the account manager, resolves with a summary and a change request.
    await step(driver, "avi", "resolve", case_id, resolution=SUMMARY, change_requests=REQUEST)
    case = await driver.case(case_id)
    assert case.status is Status.RESOLVED and case.resolution == SUMMARY
    assert case.change_requests == (REQUEST,)
    thread = await driver.client_thread(case_id)
    assert having(thread, say("client.resolution", case_id=case_id, summary=SUMMARY)), thread
    asked = having(thread, say("client.feedback_request"))
    assert len(asked) == 1, thread
    for button in ("button.feedback_yes", "button.feedback_no"):
        assert say(button) in asked[0], asked

    # The client answers "Resolved": the case is closed.
    told = await driver.feedback(case_id, resolved=True, comment="Thanks, all good now.")
    assert told.error is None
    await driver.settle()
    case = await driver.case(case_id)
    assert case.status is Status.CLOSED
    assert [(f.resolved, f.comment) for f in case.feedback] == [(True, "Thanks, all good now.")]
    thread = await driver.client_thread(case_id)
    assert having(thread, say("client.closed", case_id=case_id)), thread
    assert not having(thread, say("client.feedback_request")), "the question was answered"
    assert having(thread, "answered:", "Thank you."), thread
    assert "closed" in "\n".join(await driver.internal_texts(case_id)).lower()


# --- (2) refusals, each told to that person alone ---------------------------------------------


async def assert_refused_alone(
    driver: Driver, case_id: str, shown: Shown, person: str, expected: str
) -> None:
    assert shown.form is None and shown.refusal, shown
    assert shown.refusal == expected, shown
    assert shown.told_to == {person}, shown
    assert expected in await driver.notices(person)
    shared = await driver.client_thread(case_id, notices=False)
    assert not having(shared, expected), shared
    assert not having(await driver.internal_texts(case_id), expected)


async def test_refusals_are_told_to_the_person_alone_and_change_nothing(driver: Driver) -> None:
    case_id = await open_case(driver)
    before = await driver.case(case_id)

    refusals = [
        ("dana", "assess", "refuse.not_assessor"),  # nobody assesses a case that names them
        ("eli", "account", "refuse.not_affected"),  # not named in the case
        (CLIENT, "assess", "refuse.not_internal"),  # a contact presses an internal button
        (CLIENT, "account", "refuse.not_internal"),
        ("avi", "resolve", "refuse.no_verdict"),  # no resolution before the verdict
    ]
    for person, action, key in refusals:
        shown = await driver.press(person, action, case_id)
        expected = say(key, case_id=case_id, status="open")
        await assert_refused_alone(driver, case_id, shown, person, expected)
        await driver.settle()
        assert await driver.case(case_id) == before, (person, action)

    # The client never hears of a refusal meant for the firm.
    client_sees = "\n".join(await driver.client_thread(case_id))
    for _, _, key in refusals[:2] + refusals[4:]:
        assert say(key, case_id=case_id, status="open") not in client_sees


async def test_a_resolve_before_the_verdict_is_refused_even_with_every_account(
    driver: Driver,
) -> None:
    case_id = await open_case(driver)
    await step(driver, "dana", "account", case_id, account=ACCOUNT)
    before = await driver.case(case_id)
    shown = await driver.press("avi", "resolve", case_id)
    expected = say("refuse.no_verdict", case_id=case_id)
    await assert_refused_alone(driver, case_id, shown, "avi", expected)
    assert await driver.case(case_id) == before


# --- (3) privacy ------------------------------------------------------------------------------


async def test_nothing_internal_reaches_anything_the_client_sees(driver: Driver) -> None:
    case_id, form = await whole_flow(driver)
    case = await driver.case(case_id)
    assert case.status is Status.CLOSED

    # The client thread, the client's own notices, and the feedback form they filled in.
    seen = [*await driver.client_thread(case_id), *form.texts]
    assert say("form.feedback_title") in form.texts, form
    client_sees = "\n".join(seen)
    lowered = client_sees.lower()

    internal = "\n".join(await driver.internal_texts(case_id))
    for secret in ("ACCOUNT-7781", "NOTE-4412", "REQUEST-9051"):
        assert secret in internal, secret  # said, on the internal side
        assert secret not in client_sees, secret
    for word in ("verdict", "partly right", "assess", say("verdict.partly_right")):
        assert word not in lowered, word
    # Maya is named among the people included, and nowhere else: never as the assessor.
    maya = having(seen, "Maya Cohen")
    assert maya == having(seen, "Included in this case:", "Maya Cohen"), maya
    # No DM's words reach the client.
    for person in ("dana", "maya", "avi", "ron", "eli"):
        for dm in await driver.dms(person):
            assert dm not in client_sees, (person, dm)
            for line in dm.splitlines():
                if len(line) > 20:
                    assert line not in client_sees, (person, line)
    # What the client may see is there.
    assert SUMMARY in client_sees and STATEMENT in client_sees


# --- (4) "Not resolved" reopens ---------------------------------------------------------------


async def test_not_resolved_reopens_the_case(driver: Driver) -> None:
    case_id = await open_case(driver)
    await step(driver, "dana", "account", case_id, account=ACCOUNT)
    await step(driver, "maya", "assess", case_id, verdict="partly_right", note=NOTE)
    await step(driver, "avi", "resolve", case_id, resolution=SUMMARY)
    assert (await driver.case(case_id)).status is Status.RESOLVED

    told = await driver.feedback(case_id, resolved=False, comment="Still no Friday note.")
    assert told.error is None, told
    await driver.settle()
    case = await driver.case(case_id)
    assert case.status is Status.REOPENED
    assert [(f.resolved, f.comment) for f in case.feedback] == [(False, "Still no Friday note.")]
    thread = await driver.client_thread(case_id)
    assert having(thread, say("client.reopened", case_id=case_id)), thread
    assert not having(thread, say("client.feedback_request")), "the question was answered"
    assert having(await driver.dms("avi"), "not resolved", "Still no Friday note.")

    # It can be resolved again, and then closed.
    await step(driver, "avi", "resolve", case_id, resolution="The Friday note is booked.")
    told = await driver.feedback(case_id, resolved=True)
    assert told.error is None, told
    await driver.settle()
    case = await driver.case(case_id)
    assert case.status is Status.CLOSED
    assert [f.resolved for f in case.feedback] == [False, True]


# --- (5) a bare mention under a client's message ---------------------------------------------


async def test_a_bare_mention_under_a_clients_message_opens_a_case_on_it(driver: Driver) -> None:
    message = await driver.post(
        CLIENT, "acme", "The invoice is wrong again, {dana} knows.", naming=("dana",)
    )
    await driver.settle()
    case_id = await driver.mention_bot_under(message, as_="avi")
    assert case_id, "a bare mention under a message opens a case on that message"
    await driver.settle()
    case = await driver.case(case_id)
    assert case.source.message_id == message.id and case.source.channel == message.channel
    assert not case.raised_by.internal  # the message's writer, not who mentioned the bot
    assert case.reporter.person_id == "avi"
    assert case.summary.startswith("The invoice is wrong again")
    assert case.affected == ("dana",) and case.managers == ("maya",)
    thread = await driver.client_thread(case_id)
    assert having(thread, f"Thank you for raising this. We have opened case {case_id}"), thread
    assert having(await driver.dms("dana"), "names you", case_id)


# --- what people type is kept and shown as they typed it ------------------------------------


async def test_words_are_recorded_and_shown_as_typed(driver: Driver) -> None:
    typed = "Invoice <b>#12</b> & 3 > 2, {sic}"
    case_id = await open_case(driver)
    await driver.reply_in_thread(case_id, typed, as_=CLIENT)
    await driver.settle()
    assert (await driver.case(case_id)).client_statements[-1].text == typed
    assert having(await driver.client_thread(case_id), typed)
    assert having(await driver.internal_texts(case_id), typed)
