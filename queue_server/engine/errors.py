"""Why a command was refused.  A refused command changes nothing.

Each error has a stable `code` (what clients and translations key on) and an
English message that names the thing that is wrong.  How a front end answers one
(an HTTP status, a keypad's error number) is that front end's business: see
web/errors.py and the keypad integration.
"""

from __future__ import annotations


class CommandRejected(Exception):
    """Base for every refusal; `code` is stable, `message` is for people."""

    code = "rejected"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CommandRejected):
    code = "not_found"


class UnknownService(NotFound):
    code = "unknown_service"


class UnknownCounter(NotFound):
    code = "unknown_counter"


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class UnknownPriorityClass(CommandRejected):
    code = "unknown_priority_class"


class CentreClosed(CommandRejected):
    """Outside the opening hours; `opens_at` (epoch seconds, None if never) says when to
    come back, so a kiosk can say it in the citizen's language."""

    code = "centre_closed"

    def __init__(self, message: str, opens_at: float | None = None) -> None:
        super().__init__(message)
        self.opens_at = opens_at


class CounterClosed(CommandRejected):
    code = "counter_closed"


class CounterPaused(CommandRejected):
    code = "counter_paused"


class CurrentChanged(CommandRejected):
    code = "current_changed"


class JustCalled(CommandRejected):
    code = "just_called"


class NobodyWaiting(CommandRejected):
    code = "nobody_waiting"


class NoCurrentTicket(CommandRejected):
    code = "no_current_ticket"


class WrongTicketState(CommandRejected):
    code = "wrong_ticket_state"


class AlreadyRated(CommandRejected):
    code = "already_rated"


class NotServedHere(CommandRejected):
    code = "not_served_here"


class PriorityAtDesk(CommandRejected):
    """A priority class a person must check (papers), asked of a kiosk."""

    code = "priority_at_desk"


class RatingClosed(CommandRejected):
    code = "rating_closed"


class InvalidRatingReason(CommandRejected):
    code = "invalid_reason"


class WrongCounterState(CommandRejected):
    code = "wrong_counter_state"


class ServiceNotServed(CommandRejected):
    code = "service_not_served"


class TransferToSelf(CommandRejected):
    code = "transfer_to_self"


class NobodyThereToCall(CommandRejected):
    code = "nobody_there_to_call"


class InvalidTransfer(CommandRejected):
    code = "invalid_transfer"


class NumberingExhausted(CommandRejected):
    code = "numbering_exhausted"


class UnknownLanguage(CommandRejected):
    code = "unknown_language"


class DayAlreadyClosed(CommandRejected):
    code = "day_already_closed"


class DuplicateTrackingCode(CommandRejected):
    code = "duplicate_tracking_code"


class AppointmentsDisabled(CommandRejected):
    code = "appointments_disabled"


class SlotFull(CommandRejected):
    code = "slot_full"


class QuotaExceeded(CommandRejected):
    code = "quota_exceeded"


class InvalidSlot(CommandRejected):
    """Not a slot's start, outside the hours, past, too far ahead, or after the cutoff."""

    code = "invalid_slot"


class UnknownAppointment(NotFound):
    code = "unknown_appointment"


class DuplicateAppointmentCode(CommandRejected):
    code = "duplicate_appointment_code"


class TooEarly(CommandRejected):
    code = "too_early"


class TooLate(CommandRejected):
    code = "too_late"


class AlreadyCheckedIn(CommandRejected):
    code = "already_checked_in"


class AppointmentCancelled(CommandRejected):
    code = "appointment_cancelled"
