"""Every change to the hour bank: logging, editing and deleting time, alerts at thresholds.

Entries draw down their contract in the order of (worked_on, id). Each write locks the contract row first
(SELECT … FOR UPDATE), so two agents logging time at once are serialised: the second sees the first's minutes, the
overage is split correctly between them and a threshold alert cannot be missed or sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import Forbidden, InvalidInput, NotFound
from upstream.customers.models import Contact, Contract
from upstream.customers.queries import preferred_language
from upstream.hours import bank
from upstream.hours.models import HoursAlert, TimeEntry
from upstream.notifications.outbox import queue_email
from upstream.notifications.services import notify
from upstream.tickets.models import Ticket
from upstream.tickets.services import log

MAX_NOTE_CHARS = 500
# Time is often logged a little after the fact, but not for work more than a year ago.
MAX_BACKDATE_DAYS = 366
# The ticket's activity log shows "changed time entry: before → after" with each side's "name" (the generic field
# change line of tickets.presentation), so creation is "— → 1h 30m …" and deletion "1h 30m … → —".
LOG_ACTION, LOG_FIELD = "changed", "time_entry"


@dataclass(frozen=True)
class EntryInput:
    """What a person typed; `duration` is minutes as an int or text such as "1h30"."""

    duration: int | str
    billable: bool = True
    note: str = ""
    worked_on: date | None = None


@dataclass(frozen=True)
class CleanEntry:
    minutes: int
    billable: bool
    note: str
    worked_on: date


def clean(data: EntryInput, *, today: date) -> CleanEntry:
    """Validate an entry; raises InvalidInput naming the field."""
    try:
        if isinstance(data.duration, int) and not isinstance(data.duration, bool):
            minutes = bank.check_minutes(data.duration)
        else:
            minutes = bank.parse_duration(str(data.duration))
    except bank.DurationError as error:
        raise InvalidInput(_translate_duration_error(error), field="minutes") from error
    note = data.note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(_("The note is too long (at most %(n)d characters).") % {"n": MAX_NOTE_CHARS}, field="note")
    worked_on = data.worked_on or today
    if worked_on > today:
        raise InvalidInput(_("Time cannot be logged for a future day."), field="worked_on")
    if worked_on < today - timedelta(days=MAX_BACKDATE_DAYS):
        raise InvalidInput(_("Time cannot be logged for more than a year ago."), field="worked_on")
    return CleanEntry(minutes=minutes, billable=data.billable, note=note, worked_on=worked_on)


def _translate_duration_error(error: bank.DurationError) -> str:
    # bank.py is pure (no gettext); its three messages are translated here by kind.
    text = str(error)
    if "at least one minute" in text:
        return _("A duration must be at least one minute.")
    if "24 hours" in text:
        return _("One entry cannot exceed 24 hours; log each day separately.")
    return _("This is not a duration; write e.g. 45, 1h30 or 1.5h.")


def _require_staff(by: User) -> None:
    if not by.is_staff_member:
        raise Forbidden(_("Only staff log time on tickets."))


@transaction.atomic
def log_time(*, by: User, ticket: Ticket, data: EntryInput) -> TimeEntry:
    """Record time `by` spent on `ticket`; billable time draws down the ticket's contract."""
    _require_staff(by)
    entry = clean(data, today=timezone.localdate(clock.now()))
    contract = _lock(ticket.contract_id)
    time_entry = TimeEntry.objects.create(
        ticket=ticket,
        contract=contract,
        user=by,
        minutes=entry.minutes,
        billable=entry.billable,
        note=entry.note,
        worked_on=entry.worked_on,
    )
    log(ticket, by, LOG_ACTION, LOG_FIELD, after=_snapshot(time_entry))
    if contract is not None and entry.billable:
        _settle(contract, ticket=ticket)
        time_entry.refresh_from_db(fields=["overage_minutes"])
    return time_entry


def _may_change(by: User, entry: TimeEntry) -> bool:
    return by.is_staff_member and (entry.user_id == by.id or by.is_admin)


@transaction.atomic
def edit_entry(*, by: User, entry: TimeEntry, data: EntryInput) -> TimeEntry:
    """Change one's own entry (admins may change anyone's); the ticket's activity log keeps before and after."""
    if not _may_change(by, entry):
        raise Forbidden(_("You can only change your own time entries."))
    cleaned = clean(data, today=timezone.localdate(clock.now()))
    contract = _lock(entry.contract_id)
    entry = TimeEntry.objects.select_for_update().get(id=entry.id)
    before = _snapshot(entry)
    entry.minutes, entry.billable, entry.note, entry.worked_on = (
        cleaned.minutes,
        cleaned.billable,
        cleaned.note,
        cleaned.worked_on,
    )
    if not entry.billable:
        entry.overage_minutes = 0
    entry.save()
    after = _snapshot(entry)
    if before != after:
        log(entry.ticket, by, LOG_ACTION, LOG_FIELD, before=before, after=after)
    if contract is not None:
        _settle(contract, ticket=entry.ticket)
        entry.refresh_from_db(fields=["overage_minutes"])
    return entry


@transaction.atomic
def delete_entry(*, by: User, entry: TimeEntry) -> None:
    if not _may_change(by, entry):
        raise Forbidden(_("You can only delete your own time entries."))
    contract = _lock(entry.contract_id)
    log(entry.ticket, by, LOG_ACTION, LOG_FIELD, before=_snapshot(entry))
    deleted, _details = TimeEntry.objects.filter(id=entry.id).delete()
    if not deleted:
        raise NotFound(_("This time entry no longer exists."))
    if contract is not None:
        _settle(contract, ticket=entry.ticket)


def _lock(contract_id: int | None) -> Contract | None:
    """The contract row, locked until the transaction ends: writers to one bank queue up here."""
    if contract_id is None:
        return None
    return Contract.objects.select_for_update().select_related("organisation").get(id=contract_id)


def _snapshot(entry: TimeEntry) -> dict[str, object]:
    kind = _("billable") if entry.billable else _("non-billable")
    return {
        "name": f"{bank.format_minutes(entry.minutes)} · {kind} · {entry.worked_on.isoformat()}",
        "entry": entry.id,
        "minutes": entry.minutes,
        "billable": entry.billable,
        "note": entry.note,
        "worked_on": entry.worked_on.isoformat(),
        "contract": entry.contract_id,
    }


def _settle(contract: Contract, *, ticket: Ticket) -> None:
    """Re-split the overage over the contract's billable entries and send the alerts now due. Caller holds the lock."""
    prepaid = bank.hours_to_minutes(contract.consulting_hours)
    _changed, used = _resplit(contract, prepaid)
    _alert(contract, prepaid=prepaid, used=used, ticket=ticket)


def _resplit(contract: Contract, prepaid: int) -> tuple[int, int]:
    """Write each billable entry's overage in drawdown order; returns (entries changed, billable minutes used)."""
    rows = list(
        TimeEntry.objects.filter(contract=contract, billable=True)
        .order_by("worked_on", "id")
        .values_list("id", "minutes", "overage_minutes")
    )
    split = bank.split_overage(prepaid, [minutes for _id, minutes, _old in rows])
    changed = [
        TimeEntry(id=entry_id, overage_minutes=new)
        for (entry_id, _minutes, old), new in zip(rows, split, strict=True)
        if old != new
    ]
    if changed:
        TimeEntry.objects.bulk_update(changed, ["overage_minutes"])
    return len(changed), sum(minutes for _id, minutes, _old in rows)


@transaction.atomic
def rebalance(contract: Contract) -> int:
    """After a contract's prepaid hours changed (a top-up, a correction): re-split the overage over its entries.
    Returns how many entries changed. Sends no alert: a threshold is alerted once, when time is logged."""
    locked = _lock(contract.id)
    assert locked is not None
    return _resplit(locked, bank.hours_to_minutes(locked.consulting_hours))[0]


def _alert(contract: Contract, *, prepaid: int, used: int, ticket: Ticket) -> None:
    due = bank.thresholds_reached(prepaid, used)
    if not due:
        return
    sent = set(HoursAlert.objects.filter(contract=contract).values_list("threshold", flat=True))
    for threshold in due:
        if threshold in sent:
            continue
        HoursAlert.objects.create(
            contract=contract, threshold=threshold, used_minutes=used, prepaid_minutes=prepaid, sent_at=clock.now()
        )
        _tell_staff(contract, threshold=threshold, used=used, prepaid=prepaid, ticket=ticket)
        _tell_org_admins(contract, threshold=threshold, used=used, prepaid=prepaid)


def _alert_values(contract: Contract, threshold: int, used: int, prepaid: int) -> dict[str, object]:
    return {
        "ref": contract.reference,
        "org": contract.organisation.name,
        "percent": threshold,
        "used": bank.format_minutes(used),
        "prepaid": bank.format_minutes(prepaid),
    }


def _tell_staff(contract: Contract, *, threshold: int, used: int, prepaid: int, ticket: Ticket) -> None:
    """The account manager and the team lead (of the ticket's team, else the organisation's default team)."""
    team = ticket.team or contract.organisation.default_team
    people = [contract.organisation.account_manager, team.lead if team is not None else None]
    told: set[int] = set()
    url = reverse("hours:contract", kwargs={"contract_id": contract.id})
    for person in people:
        if person is None or not person.is_active or person.id in told:
            continue
        told.add(person.id)
        with translation.override(person.language or settings.LANGUAGE_CODE):
            if threshold >= 100:
                text = _("%(ref)s (%(org)s) has used all its prepaid consulting hours (%(used)s of %(prepaid)s).")
            else:
                text = _(
                    "%(ref)s (%(org)s) has used %(percent)s%% of its prepaid consulting hours "
                    "(%(used)s of %(prepaid)s)."
                )
            notify(person, text=text % _alert_values(contract, threshold, used, prepaid), url=url)


def org_admin_contacts(contract: Contract) -> list[Contact]:
    return list(
        Contact.objects.filter(memberships__organisation_id=contract.organisation_id, memberships__is_admin=True)
        .select_related("user")
        .order_by("id")
    )


def _tell_org_admins(contract: Contract, *, threshold: int, used: int, prepaid: int) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("hours:portal")
    for contact in org_admin_contacts(contract):
        language = preferred_language(contact, contract.organisation.name)
        with translation.override(language):
            values = _alert_values(contract, threshold, used, prepaid)
            if threshold >= 100:
                subject = _("Your prepaid consulting hours are used up (%(ref)s)") % values
                lead = (
                    _(
                        "Contract %(ref)s has used all its prepaid consulting hours: %(used)s of %(prepaid)s. "
                        "Further billable time is recorded as overage."
                    )
                    % values
                )
            else:
                subject = _("%(percent)s%% of your prepaid consulting hours are used (%(ref)s)") % values
                lead = (
                    _(
                        "Contract %(ref)s has used %(percent)s%% of its prepaid consulting hours: "
                        "%(used)s of %(prepaid)s."
                    )
                    % values
                )
            text = f"{lead}\n\n{_('See the balance and every entry in the portal:')} {link}\n"
        queue_email(to=[contact.email], subject=subject, text=text, language=language, auto_submitted="auto-generated")
