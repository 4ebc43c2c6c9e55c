"""What an assistant (the hall's robot) says aloud, in the citizen's language.

The robot calls the same routes as the kiosk (search, issue, waits, a ticket's status),
and when the caller is an assistant each answer it would speak carries a `say` text
made here: "Số của quý khách là A không hai ba, còn khoảng 4 người trước quý khách,
mời ngồi chờ."  Ticket numbers are spelled as the hall's voice spells them
(`phrases.spell_number`, with the centre's `[voice] numbers` habit), so the robot and
the hall call the same number the same way; counts and minutes stay numerals, which
every speech engine reads correctly in its own language.

Pure: facts in, a sentence out.  A language without phrases here falls back on English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .phrases import NumberStyle, spell_number

PHRASES: dict[str, dict[str, str]] = {
    "vi": {
        "ticket": "Số của quý khách là {number}, còn khoảng {ahead} người trước quý khách, "
        "mời ngồi chờ.",
        "ticket_next": "Số của quý khách là {number}, quý khách là người tiếp theo, mời ngồi chờ.",
        "ticket_no_counter": "Số của quý khách là {number}. Hiện chưa có quầy nào mở cho dịch "
        "vụ này, quý khách sẽ được gọi khi quầy mở.",
        "printed": "Mời quý khách nhận phiếu ở máy in.",
        "print_failed": "Máy in chưa in được phiếu, xin quý khách ghi nhớ số của mình.",
        "waiting": "Số {number}: còn khoảng {ahead} người trước quý khách, khoảng {minutes} "
        "phút nữa.",
        "waiting_next": "Số {number}: quý khách là người tiếp theo.",
        "waiting_no_counter": "Số {number}: hiện chưa có quầy nào mở, quý khách sẽ được gọi "
        "khi quầy mở.",
        "called": "Số {number} đã được gọi, mời quý khách đến quầy {counter}.",
        "serving": "Số {number} đang được phục vụ tại quầy {counter}.",
        "done": "Số {number} đã được phục vụ xong. Cảm ơn quý khách.",
        "no_show": "Số {number} đã được gọi nhưng quý khách không có mặt. Mời quý khách "
        "đến quầy hướng dẫn.",
        "ended": "Số {number} không còn hiệu lực. Mời quý khách lấy số mới.",
        "found_procedure": "Thủ tục {procedure} thuộc lĩnh vực {service}.",
        "found_service": "Quý khách cần đến lĩnh vực {service}.",
        "papers": "Quý khách cần mang: {papers}.",
        "not_found": "Xin lỗi, tôi chưa tìm được thủ tục phù hợp. Mời quý khách hỏi quầy "
        "hướng dẫn.",
        "line_waiting": "{service}: {waiting} người đang chờ, khoảng {minutes} phút.",
        "line_empty": "{service}: không có ai đang chờ.",
        "line_no_counter": "{service}: chưa có quầy nào mở.",
        "list_sep": ", ",
    },
    "en": {
        "ticket": "Your number is {number}. There are about {ahead} people before you; "
        "please take a seat.",
        "ticket_next": "Your number is {number}. You are next; please take a seat.",
        "ticket_no_counter": "Your number is {number}. No counter is open for this service "
        "yet; you will be called when one opens.",
        "printed": "Please take your ticket from the printer.",
        "print_failed": "The printer could not print your ticket; please remember your number.",
        "waiting": "Number {number}: about {ahead} people before you, about {minutes} minutes.",
        "waiting_next": "Number {number}: you are next.",
        "waiting_no_counter": "Number {number}: no counter is open yet; you will be called "
        "when one opens.",
        "called": "Number {number} has been called: please go to counter {counter}.",
        "serving": "Number {number} is being served at counter {counter}.",
        "done": "Number {number} has been served. Thank you.",
        "no_show": "Number {number} was called but you were not there. Please ask at the "
        "reception desk.",
        "ended": "Number {number} is no longer valid. Please take a new number.",
        "found_procedure": "{procedure} is handled by {service}.",
        "found_service": "You need {service}.",
        "papers": "Please bring: {papers}.",
        "not_found": "Sorry, I could not find that procedure. Please ask at the reception desk.",
        "line_waiting": "{service}: {waiting} waiting, about {minutes} minutes.",
        "line_empty": "{service}: nobody waiting.",
        "line_no_counter": "{service}: no counter open.",
        "list_sep": ", ",
    },
    "ar": {
        "ticket": "رقمك هو {number}، وأمامك نحو {ahead} أشخاص، تفضل بالجلوس.",
        "ticket_next": "رقمك هو {number}، أنت التالي، تفضل بالجلوس.",
        "ticket_no_counter": "رقمك هو {number}. لا يوجد شباك مفتوح لهذه الخدمة بعد، "
        "وسيُنادى عليك عند فتحه.",
        "printed": "يرجى أخذ تذكرتك من الطابعة.",
        "print_failed": "لم تتمكن الطابعة من طباعة تذكرتك، يرجى تذكر رقمك.",
        "waiting": "الرقم {number}: أمامك نحو {ahead} أشخاص، حوالي {minutes} دقيقة.",
        "waiting_next": "الرقم {number}: أنت التالي.",
        "waiting_no_counter": "الرقم {number}: لا يوجد شباك مفتوح بعد، وسيُنادى عليك عند فتحه.",
        "called": "تم النداء على الرقم {number}، يرجى التوجه إلى الشباك {counter}.",
        "serving": "الرقم {number} تتم خدمته في الشباك {counter}.",
        "done": "تمت خدمة الرقم {number}. شكراً لك.",
        "no_show": "تم النداء على الرقم {number} ولم تكن حاضراً. يرجى السؤال في مكتب الاستقبال.",
        "ended": "الرقم {number} لم يعد صالحاً. يرجى أخذ رقم جديد.",
        "found_procedure": "إجراء {procedure} يتبع {service}.",
        "found_service": "تحتاج إلى {service}.",
        "papers": "يرجى إحضار: {papers}.",
        "not_found": "عذراً، لم أجد هذا الإجراء. يرجى السؤال في مكتب الاستقبال.",
        "line_waiting": "{service}: {waiting} في الانتظار، حوالي {minutes} دقيقة.",
        "line_empty": "{service}: لا أحد في الانتظار.",
        "line_no_counter": "{service}: لا يوجد شباك مفتوح.",
        "list_sep": "، ",
    },
}
FALLBACK = "en"


def _say(lang: str, key: str, **values: object) -> str:
    return PHRASES.get(lang, PHRASES[FALLBACK])[key].format(**values)


def minutes(seconds: float) -> int:
    """A wait in whole minutes, at least 1: "about 0 minutes" helps nobody."""
    return max(1, round(seconds / 60))


@dataclass(frozen=True, slots=True)
class Voice:
    """How the centre reads ticket numbers (`[voice] numbers`)."""

    numbers: NumberStyle = "digits"

    def number(self, number: str, lang: str) -> str:
        return spell_number(number, lang, self.numbers)


def issued(
    voice: Voice,
    lang: str,
    number: str,
    ahead: int,
    counter_open: bool,
    printed: str,
) -> str:
    """A new ticket: its number, the people before it, and where the paper is."""
    spoken = voice.number(number, lang)
    if not counter_open:
        sentence = _say(lang, "ticket_no_counter", number=spoken)
    elif ahead == 0:
        sentence = _say(lang, "ticket_next", number=spoken)
    else:
        sentence = _say(lang, "ticket", number=spoken, ahead=ahead)
    if printed == "printed":
        sentence += " " + _say(lang, "printed")
    elif printed == "failed":
        sentence += " " + _say(lang, "print_failed")
    return sentence


def status(
    voice: Voice,
    lang: str,
    number: str,
    state: str,
    ahead: int | None,
    wait_s: float | None,
    counter: int | None,
) -> str:
    """A ticket's state as a citizen asks it ("is it my turn yet?")."""
    spoken = voice.number(number, lang)
    if state == "waiting":
        if wait_s is None:
            return _say(lang, "waiting_no_counter", number=spoken)
        if not ahead:
            return _say(lang, "waiting_next", number=spoken)
        return _say(lang, "waiting", number=spoken, ahead=ahead, minutes=minutes(wait_s))
    if state in ("called", "serving") and counter is not None:
        return _say(lang, state, number=spoken, counter=counter)
    if state in ("done", "no_show"):
        return _say(lang, state, number=spoken)
    return _say(lang, "ended", number=spoken)


@dataclass(frozen=True, slots=True)
class Line:
    """A service's line as the robot reads it out."""

    name: str
    waiting: int
    wait_s: float | None
    open_counters: int


def line(lang: str, service: Line) -> str:
    if service.open_counters == 0:
        return _say(lang, "line_no_counter", service=service.name)
    if service.waiting == 0 or service.wait_s is None:
        return _say(lang, "line_empty", service=service.name)
    return _say(
        lang,
        "line_waiting",
        service=service.name,
        waiting=service.waiting,
        minutes=minutes(service.wait_s),
    )


def lines(lang: str, services: Sequence[Line]) -> str:
    """Every line, one sentence each."""
    return " ".join(line(lang, s) for s in services)


def found(lang: str, service: Line | None, procedure: str | None, papers: Sequence[str]) -> str:
    """The finder's best answer: which service, its line, the papers to bring."""
    if service is None:
        return _say(lang, "not_found")
    if procedure:
        sentence = _say(lang, "found_procedure", procedure=procedure, service=service.name)
    else:
        sentence = _say(lang, "found_service", service=service.name)
    sentence += " " + line(lang, service)
    if papers:
        sentence += " " + _say(lang, "papers", papers=_say(lang, "list_sep").join(papers))
    return sentence
