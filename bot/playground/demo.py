"""A seeded demo, so a newcomer sees the product at work on first start.

`seed_demo` plays out ten complaints with the directory's own clients and people, by
running the real commands through `runtime.service` (open, replies, accounts, verdicts,
resolutions, feedback, reopen, withdraw): the rules are checked, the timelines and
effects are genuine, and the outbox delivers them to the playground like any others.
It leaves cases in every status, and does nothing when the store already has cases.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from bot.playground import catalog
from bot.playground.views import person_role, persona_name
from bot.playground.workspace import CONTACT, PLATFORM
from bot.server import Runtime
from bot.service import CaseService
from handlers.commands import (
    AddReply,
    Assess,
    GiveFeedback,
    OpenCase,
    RecordAccount,
    Reopen,
    Resolve,
    Trigger,
    Withdraw,
)
from handlers.directory import Actor, Client, Directory
from handlers.model import Case, MessageRef, Severity, Verdict

log = logging.getLogger(__name__)


# What the demo's people say, in English and Hebrew; {employee} is a name from the directory.
LINES: dict[str, tuple[str, str]] = {
    "invoice": (
        "The March invoice bills us for 40 hours of design work we never approved. "
        "@{employee} promised to check, and we have heard nothing since.",
        "בחשבונית של מרץ חויבנו על 40 שעות עיצוב שלא אישרנו. "
        "@{employee} הבטיח/ה לבדוק, ומאז לא שמענו כלום.",
    ),
    "staging": (
        "Staging was down again this morning, right before our board demo. Second week in a row.",
        "סביבת הבדיקות שוב הייתה למטה הבוקר, רגע לפני ההצגה להנהלה. זה השבוע השני ברציפות.",
    ),
    "status_mail": (
        "Our weekly status email did not arrive, and nobody answered when we asked "
        "@{employee} about the release date.",
        "דוח הסטטוס השבועי לא הגיע, ואף אחד לא ענה כששאלנו את @{employee} על מועד ההשקה.",
    ),
    "status_reply": (
        "Thank you for flagging this. I am looking into it with the team today and will "
        "come back to you by 4 pm.",
        "תודה שהעליתם את זה. אני בודק/ת את זה היום עם הצוות ואחזור אליכם עד 16:00.",
    ),
    "status_more": (
        "Thanks. We need the date by Thursday for our own planning.",
        "תודה. אנחנו צריכים את התאריך עד יום חמישי, לתכנון שלנו.",
    ),
    "export": (
        "The new export drops every row with a Hebrew name. @{employee} shipped it on "
        "Friday without telling us.",
        "הייצוא החדש משמיט כל שורה עם שם בעברית. @{employee} העלה/תה אותו ביום שישי "
        "בלי לעדכן אותנו.",
    ),
    "export_account": (
        "I tested the export with the sample file the client sent in January, which had "
        "only English names. I fixed the encoding on Monday morning; the fix is waiting for "
        "their approval on staging.",
        "בדקתי את הייצוא עם קובץ הדוגמה שהלקוח שלח בינואר, ובו היו רק שמות באנגלית. "
        "תיקנתי את הקידוד ביום שני בבוקר, והתיקון ממתין לאישור שלהם בסביבת הבדיקות.",
    ),
    "mobile": (
        "We expected the mobile app in this phase. @{employee} says it was never in scope. "
        "That is not what we understood.",
        "ציפינו שאפליקציית המובייל תהיה בשלב הזה. @{employee} אומר/ת שהיא אף פעם לא "
        "הייתה בהיקף העבודה. זה לא מה שהבנו.",
    ),
    "mobile_account": (
        "The signed proposal lists the web app only; mobile is phase 2. I sent them the "
        "page on the 3rd and offered a call.",
        "בהצעה החתומה מופיעה רק אפליקציית הווב; המובייל הוא שלב 2. שלחתי להם את העמוד "
        "בשלושה לחודש והצעתי שיחה.",
    ),
    "mobile_note": (
        "The proposal is clear, but our kickoff slides showed mobile screens. "
        "An understandable confusion.",
        "ההצעה ברורה, אבל במצגת הפתיחה שלנו הופיעו מסכי מובייל. בלבול מובן.",
    ),
    "mobile_resolution": (
        "What was agreed: phase 1 covers the web app only (proposal, section 2). Next: we "
        "send you an estimate for the mobile app as phase 2 by Friday, and correct the "
        "kickoff slides so they match.",
        "מה סוכם: שלב 1 כולל רק את אפליקציית הווב (ההצעה, סעיף 2). ההמשך: עד יום שישי "
        "נשלח לכם הערכה לאפליקציית המובייל כשלב 2, ונתקן את מצגת הפתיחה כך שתתאים.",
    ),
    "mobile_request": (
        "The client asks to bring the mobile app into phase 1.",
        "הלקוח מבקש להכניס את אפליקציית המובייל לשלב 1.",
    ),
    "dashboard": (
        "The dashboard numbers do not match our own reports. @{employee}'s team says it "
        "is our data.",
        "המספרים בלוח הבקרה לא תואמים את הדוחות שלנו. הצוות של @{employee} אומר שהבעיה "
        "בנתונים שלנו.",
    ),
    "dashboard_account": (
        "Two of the five metrics used a different time zone from the client's reports; "
        "the other three match their source data exactly.",
        "שניים מחמשת המדדים חושבו באזור זמן שונה מזה של הדוחות של הלקוח; שלושת האחרים "
        "תואמים בדיוק את נתוני המקור שלהם.",
    ),
    "dashboard_note": (
        "The time zone bug is ours; the other differences come from their data.",
        "הבאג של אזור הזמן הוא שלנו; שאר ההבדלים נובעים מהנתונים שלהם.",
    ),
    "dashboard_resolution": (
        "Two metrics used the wrong time zone; that is fixed, and they now match your "
        "reports. The other three follow your source data; we sent you a note showing "
        "where it differs.",
        "שני מדדים חושבו באזור זמן שגוי; זה תוקן, ועכשיו הם תואמים את הדוחות שלכם. "
        "שלושת האחרים נשענים על נתוני המקור שלכם; שלחנו לכם הסבר שמראה איפה יש הבדלים.",
    ),
    "dashboard_feedback": (
        "The revenue chart is still off by a day.",
        "גרף ההכנסות עדיין מוזז ביום אחד.",
    ),
    "contract": (
        "The contract draft was promised for Monday. It is Thursday. @{employee}?",
        "טיוטת החוזה הובטחה ליום שני. היום יום חמישי. @{employee}?",
    ),
    "contract_account": (
        "I was waiting for legal's review and did not tell the client. I should have.",
        "חיכיתי לבדיקה של המחלקה המשפטית ולא עדכנתי את הלקוח. הייתי צריך/ה לעדכן.",
    ),
    "contract_note": (
        "We missed the date and did not warn them.",
        "פספסנו את התאריך ולא הזהרנו אותם מראש.",
    ),
    "contract_resolution": (
        "You were right: we missed the date we promised and did not tell you. The draft "
        "is in your inbox today, and from now on you hear from us the day before if a "
        "date is at risk.",
        "צדקתם: פספסנו את התאריך שהבטחנו ולא עדכנו אתכם. הטיוטה נשלחה אליכם היום, "
        "ומעכשיו תשמעו מאיתנו יום מראש אם תאריך בסכנה.",
    ),
    "contract_feedback": ("Thank you, received.", "תודה, התקבל."),
    "landing": (
        "@{employee} is useless. I want someone competent on this account, today.",
        "@{employee} חסר/ת תועלת. אני רוצה מישהו מוכשר על החשבון הזה, עוד היום.",
    ),
    "landing_account": (
        "The client asked for a same-day rewrite of the whole landing page. I explained "
        "it takes two days and offered a quick fix for the header. The client then "
        "shouted at me on the call.",
        "הלקוח ביקש לשכתב את כל דף הנחיתה באותו יום. הסברתי שזה לוקח יומיים והצעתי "
        "תיקון מהיר לכותרת. אז הלקוח צעק עליי בשיחה.",
    ),
    "landing_note": (
        "The two-day estimate was right and was explained politely. The tone of the call "
        "was not acceptable.",
        "ההערכה של יומיים הייתה נכונה והוסברה בנימוס. הטון בשיחה לא היה מקובל.",
    ),
    "landing_resolution": (
        "The full rewrite takes two days, as explained; the header fix went live today. "
        "We are glad to keep working with you, and we ask that our people are treated "
        "with respect.",
        "השכתוב המלא לוקח יומיים, כפי שהוסבר; תיקון הכותרת עלה היום. נשמח להמשיך לעבוד "
        "איתכם, ואנחנו מבקשים שהצוות שלנו יזכה ליחס מכבד.",
    ),
    "landing_feedback": ("Fine.", "בסדר."),
    "hosting": (
        "We were charged twice for hosting in May.",
        "חויבנו פעמיים על האחסון בחודש מאי.",
    ),
    "hosting_withdraw": (
        "Our finance team found that the second charge was for June. All good.",
        "מחלקת הכספים שלנו מצאה שהחיוב השני היה על יוני. הכול בסדר.",
    ),
    "spam": (
        "The password reset emails land in spam for all our users. @{employee} said it "
        "was fixed last week.",
        "המיילים לאיפוס סיסמה נוחתים בספאם אצל כל המשתמשים שלנו. @{employee} אמר/ה "
        "שזה תוקן בשבוע שעבר.",
    ),
    "spam_account": (
        "I moved the emails to a verified sender last week and tested with Gmail; "
        "I did not test Outlook.",
        "בשבוע שעבר העברתי את המיילים לשולח מאומת ובדקתי ב-Gmail; את Outlook לא בדקתי.",
    ),
    "spam_note": ("The fix was real but incomplete.", "התיקון היה אמיתי אבל חלקי."),
    "spam_resolution": (
        "The emails now come from a verified sender and arrive in the inbox. If any user "
        "still finds one in spam, reply here and we look at it the same day.",
        "המיילים נשלחים עכשיו משולח מאומת ומגיעים לתיבת הדואר הנכנס. אם משתמש עדיין "
        "מוצא מייל בספאם, כתבו כאן ונבדוק באותו יום.",
    ),
    "spam_reopen": (
        "The client called: Outlook users still get them in spam.",
        "הלקוח התקשר: משתמשי Outlook עדיין מקבלים אותם בספאם.",
    ),
}


@dataclass(frozen=True)
class Cast:
    """Who plays one case: a client's contact, its account manager, an employee and
    the employee's manager."""

    client: Client
    contact: Actor
    account_manager: Actor
    employee: Actor
    manager: Actor


class Demo:
    def __init__(self, service: CaseService, directory: Directory) -> None:
        self.service, self.directory = service, directory
        self.language = directory.language
        self.cases = 0

    def actor(self, user_id: str) -> Actor:
        say = partial(catalog.say, self.language)
        return self.directory.actor(PLATFORM, user_id, persona_name(self.directory, say, user_id))

    def line(self, key: str, cast: Cast) -> str:
        english, hebrew = LINES[key]
        chosen = hebrew if self.language == "he" else english
        return chosen.format(employee=cast.employee.display)

    def casts(self) -> list[Cast]:
        """One cast per client, employees taken in turn; none if the directory has no one
        with a manager to play the employee."""
        managed = [p for p in self.directory.people.values() if p.manager]
        staff = [p for p in managed if not p.roles] or managed
        # People who manage nobody play the employee first.
        staff.sort(key=lambda p: person_role(self.directory, p.id) != "employee")
        casts = []
        for i, client in enumerate(self.directory.clients.values()):
            if not staff:
                break
            employee = staff[i % len(staff)]
            manager = self.actor(employee.manager or "")
            steward = self.actor(client.account_manager) if client.account_manager else manager
            contact = self.actor(f"{CONTACT}{client.id}")
            casts.append(Cast(client, contact, steward, self.actor(employee.id), manager))
        return casts

    async def complain(
        self,
        cast: Cast,
        key: str,
        category: str,
        severity: Severity = Severity.MEDIUM,
        trigger: Trigger = "mention",
        named: bool = True,
    ) -> Case:
        """The client's message opens a case: by mentioning the bot, or by the account
        manager flagging it with the trigger emoji."""
        self.cases += 1
        channel = cast.client.channels(PLATFORM)[0]
        actor = cast.account_manager if trigger == "reaction" else cast.contact
        result = await self.service.open_case(
            OpenCase(
                actor=actor,
                source=MessageRef(PLATFORM, channel, f"demo-{self.cases}"),
                source_author=cast.contact,
                source_text=self.line(key, cast),
                trigger=trigger,
                affected=(cast.employee.person_id or "",) if named else (),
                category=category,
                severity=severity,
            )
        )
        return result.case

    async def hear_both_sides(
        self, case: Case, cast: Cast, key: str, verdict: Verdict, abusive: bool = False
    ) -> None:
        await self.service.execute(
            RecordAccount(case.id, cast.employee, self.line(f"{key}_account", cast))
        )
        note = self.line(f"{key}_note", cast)
        await self.service.execute(Assess(case.id, cast.manager, verdict, note, abusive))

    async def resolve(
        self, case: Case, cast: Cast, key: str, requests: tuple[str, ...] = ()
    ) -> None:
        summary = self.line(f"{key}_resolution", cast)
        await self.service.execute(Resolve(case.id, cast.account_manager, summary, requests))

    async def play(self, casts: list[Cast]) -> None:
        """Ten cases, each left in the status it shows: two open, one acknowledged, one
        investigating, one resolved, two reopened, two closed, one withdrawn."""

        def cast(i: int) -> Cast:
            return casts[i % len(casts)]

        execute = self.service.execute
        await self.complain(cast(0), "invoice", "billing")  # open
        await self.complain(cast(1), "staging", "delay", Severity.HIGH, "reaction", named=False)

        case = await self.complain(cast(2), "status_mail", "communication")  # acknowledged
        await execute(
            AddReply(case.id, cast(2).account_manager, self.line("status_reply", cast(2)))
        )
        await execute(AddReply(case.id, cast(2).contact, self.line("status_more", cast(2))))

        case = await self.complain(cast(0), "export", "quality", Severity.HIGH)  # investigating
        account = self.line("export_account", cast(0))
        await execute(RecordAccount(case.id, cast(0).employee, account))

        case = await self.complain(cast(1), "mobile", "scope")  # resolved, awaiting feedback
        await self.hear_both_sides(case, cast(1), "mobile", Verdict.MISUNDERSTANDING)
        await self.resolve(case, cast(1), "mobile", (self.line("mobile_request", cast(1)),))

        case = await self.complain(cast(2), "dashboard", "quality")  # reopened by the client
        await self.hear_both_sides(case, cast(2), "dashboard", Verdict.PARTLY_RIGHT)
        await self.resolve(case, cast(2), "dashboard")
        comment = self.line("dashboard_feedback", cast(2))
        await execute(
            GiveFeedback(case.id, cast(2).contact, False, comment, channel=case.source.channel)
        )

        case = await self.complain(cast(0), "contract", "delay", Severity.HIGH)  # closed
        await self.hear_both_sides(case, cast(0), "contract", Verdict.RIGHT)
        await self.resolve(case, cast(0), "contract")
        comment = self.line("contract_feedback", cast(0))
        await execute(
            GiveFeedback(case.id, cast(0).contact, True, comment, channel=case.source.channel)
        )

        case = await self.complain(cast(1), "landing", "conduct", Severity.HIGH)  # closed
        await self.hear_both_sides(case, cast(1), "landing", Verdict.NOT_RIGHT, abusive=True)
        await self.resolve(case, cast(1), "landing")
        comment = self.line("landing_feedback", cast(1))
        await execute(
            GiveFeedback(case.id, cast(1).contact, True, comment, channel=case.source.channel)
        )

        case = await self.complain(cast(2), "hosting", "billing", Severity.LOW, named=False)
        reason = self.line("hosting_withdraw", cast(2))
        await execute(Withdraw(case.id, cast(2).contact, reason))  # withdrawn by the client

        case = await self.complain(cast(0), "spam", "quality")  # reopened by the firm
        await self.hear_both_sides(case, cast(0), "spam", Verdict.PARTLY_RIGHT)
        await self.resolve(case, cast(0), "spam")
        reopener = self.reopener(cast(0))
        if reopener:
            await execute(Reopen(case.id, reopener, self.line("spam_reopen", cast(0))))

    def reopener(self, cast: Cast) -> Actor | None:
        """The account manager, or else a lead: who may reopen a resolved case."""
        if cast.client.account_manager:
            return cast.account_manager
        leads = self.directory.leads()
        return self.actor(leads[0]) if leads else None


async def seed_demo(runtime: Runtime) -> int:
    """Play the demo into an empty store; returns how many cases it opened."""
    if await runtime.store.list_cases():
        log.info("demo: the store already has cases; nothing seeded")
        return 0
    demo = Demo(runtime.service, runtime.directory)  # addressed by the playground adapter
    casts = demo.casts()
    if not casts:
        log.warning("demo: needs a client and a person with a manager in the directory")
        return 0
    await demo.play(casts)
    log.info("demo: seeded %d cases", demo.cases)
    return demo.cases
