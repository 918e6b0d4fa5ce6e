"""A contract's life: statuses moved on schedule, renewal into the next term, and ending with an exit reason.

Every change is a named action with an explicit actor (`by=None` is the schedule), one transaction, and a
`ContractEvent` saying what changed, who did it and why. The rules of the schedule are in `schedule.py` (pure).

Ending a contract (`end_contract`) always needs a reason from `ExitReason` (`other` needs a comment too):
- "end now" terminates it today (status `terminated`; the only way to reach that status);
- "do not renew" (`at_term_end=True`) lets the term run out and then expires it without a grace period (a contract
  already in its grace period expires at once). Either way `ended_on` is the day it stops for good, which the churn
  report counts by.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from upstream.accounts import audit
from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.customers import schedule
from upstream.customers.models import (
    Contract,
    ContractEvent,
    ContractEventKind,
    ContractStatus,
    ExitReason,
    SupportPlan,
)

MAX_COMMENT_CHARS = 2000
MAX_HOURS = Decimal("999999")
_CHUNK = 1000


def today() -> date:
    """The vendor's current day (settings.TIME_ZONE): contract terms are dates in the vendor's calendar."""
    return timezone.localdate(clock.now())


def can_manage(user: User, contract: Contract) -> bool:
    """Admins, and the organisation's account manager, renew and end contracts."""
    if not user.is_staff_member:
        return False
    return user.is_admin or contract.organisation.account_manager_id == user.pk


def _require_manager(by: User, contract: Contract) -> None:
    if not can_manage(by, contract):
        raise Forbidden("only an admin or the organisation's account manager can renew or end its contracts")


def _event(contract: Contract, kind: str, by: User | None, before: str = "", after: str = "", note: str = "") -> None:
    ContractEvent.objects.create(
        contract=contract, kind=kind, actor=by, before=before, after=after, note=note, created_at=clock.now()
    )


# --- the schedule -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    contract_id: int
    before: str
    after: str


@transaction.atomic
def advance_statuses(*, on: date | None = None) -> list[Moved]:
    """Move every contract whose term is over to the status the schedule gives it on `on` (default: today).

    Set-based: one read of the candidates, one UPDATE per (from, to) pair, one bulk insert of events. Idempotent,
    so running it hourly or twice is harmless."""
    day = on or today()
    # Only a term that is over can move; once expired it drops out of this set, so it stays small.
    candidates = (
        Contract.objects.select_for_update(of=("self",))
        .filter(
            status__in=[ContractStatus.TRIAL, ContractStatus.ACTIVE, ContractStatus.GRACE],
            ends_on__lt=day,
        )
        .values_list("id", "status", "ends_on", "plan__grace_days", "exit_reason")
    )
    moves: dict[tuple[str, str], list[int]] = defaultdict(list)
    for contract_id, status, ends_on, grace_days, exit_reason in candidates:
        moved_to = schedule.status_on(
            status, ends_on=ends_on, grace_days=grace_days, today=day, exit_recorded=bool(exit_reason)
        )
        if moved_to != status:
            moves[(status, moved_to.value)].append(contract_id)
    now = clock.now()
    moved: list[Moved] = []
    for (before, after), ids in moves.items():
        for start in range(0, len(ids), _CHUNK):  # bounded statements, even after a long outage of the job
            chunk = ids[start : start + _CHUNK]
            Contract.objects.filter(id__in=chunk, status=before).update(status=after, updated_at=now)
        moved.extend(Moved(i, before, after) for i in ids)
    ContractEvent.objects.bulk_create(
        [
            ContractEvent(
                contract_id=m.contract_id,
                kind=ContractEventKind.STATUS_CHANGED,
                before=m.before,
                after=m.after,
                created_at=now,
            )
            for m in moved
        ],
        batch_size=_CHUNK,
    )
    return moved


# --- renewal ------------------------------------------------------------------------------------------------------


def suggested_reference(contract: Contract) -> str:
    """The next term's reference: `UPC-2024-003` → `UPC-2024-003-R2`, then `-R3` …, skipping taken ones."""
    base = re.sub(r"-R\d+$", "", contract.reference)
    taken = set(Contract.objects.filter(reference__startswith=f"{base}-R").values_list("reference", flat=True))
    number = 2
    while f"{base}-R{number}" in taken:
        number += 1
    return f"{base}-R{number}"[:64]


def renewal_of(contract: Contract) -> Contract | None:
    return Contract.objects.filter(renewed_from=contract).first()


@transaction.atomic
def renew(
    *,
    by: User,
    contract: Contract,
    ends_on: date,
    starts_on: date | None = None,
    plan: SupportPlan | None = None,
    consulting_hours: Decimal | None = None,
    reference: str = "",
) -> Contract:
    """Create the next term of `contract`: by default it starts the day after the current term ends, on the same
    plan, covering the same products, with the same prepaid hours. A trial renewed this way converts to a paid term.
    """
    _require_manager(by, contract)
    locked = Contract.objects.select_for_update().select_related("plan", "organisation").get(id=contract.id)
    if locked.status == ContractStatus.TERMINATED:
        raise Conflict("a terminated contract cannot be renewed; create a new contract instead")
    if locked.exit_recorded:
        raise Conflict("this contract has been ended (it is set not to renew); it cannot be renewed")
    existing = renewal_of(locked)
    if existing is not None:
        raise Conflict(f"this contract has already been renewed as {existing.reference}")
    starts_on = starts_on or locked.ends_on + timedelta(days=1)
    if starts_on <= locked.starts_on:
        raise InvalidInput("the next term must start after the current term starts", field="starts_on")
    if ends_on < starts_on:
        raise InvalidInput("the next term must end on or after the day it starts", field="ends_on")
    hours = locked.consulting_hours if consulting_hours is None else consulting_hours
    if hours < 0 or hours > MAX_HOURS:
        raise InvalidInput(f"prepaid hours must be between 0 and {MAX_HOURS}", field="consulting_hours")
    reference = " ".join(reference.split()) or suggested_reference(locked)
    if len(reference) > 64:
        raise InvalidInput("the reference is longer than 64 characters", field="reference")
    if Contract.objects.filter(reference__iexact=reference).exists():
        raise Conflict(f"a contract with reference {reference} already exists", field="reference")
    try:
        with transaction.atomic():
            renewed = Contract.objects.create(
                organisation=locked.organisation,
                plan=plan or locked.plan,
                reference=reference,
                starts_on=starts_on,
                ends_on=ends_on,
                status=ContractStatus.ACTIVE,
                consulting_hours=hours,
                renewed_from=locked,
            )
    except IntegrityError:
        raise Conflict("this contract was renewed, or the reference taken, at the same moment") from None
    renewed.products.set(locked.products.all())
    _event(locked, ContractEventKind.RENEWED, by, after=renewed.reference)
    _event(renewed, ContractEventKind.RENEWED, by, before=locked.reference, after=renewed.reference)
    audit.record(
        by,
        "contract.renewed",
        locked,
        f"Renewed {locked.reference} as {renewed.reference}",
        renewal_id=renewed.id,
        starts_on=starts_on,
        ends_on=ends_on,
        plan=renewed.plan.name,
    )
    return renewed


# --- ending -------------------------------------------------------------------------------------------------------


def check_exit(reason: str, comment: str) -> tuple[ExitReason, str]:
    """A reason from the taxonomy; `other` needs a comment saying what it was."""
    if reason not in ExitReason.values:
        raise InvalidInput("choose an exit reason: " + ", ".join(ExitReason.values), field="reason")
    comment = comment.strip()
    if reason == ExitReason.OTHER and not comment:
        raise InvalidInput("say what the other reason is in the comment", field="comment")
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"the comment is longer than {MAX_COMMENT_CHARS} characters", field="comment")
    return ExitReason(reason), comment


def _ending(contract: Contract, day: date, at_term_end: bool) -> tuple[str, date]:
    """The status after recording an end, and the day the contract stops for good."""
    status = contract.status
    if status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        return status, min(contract.ends_on, day)  # recording why an ended contract was not renewed
    if not at_term_end:
        return ContractStatus.TERMINATED, day
    if day > contract.ends_on:  # in its grace period: the term is over already and it will not be renewed
        return ContractStatus.EXPIRED, contract.ends_on
    return status, contract.ends_on  # runs to its end; the schedule then expires it without grace


@transaction.atomic
def end_contract(
    *, by: User, contract: Contract, reason: str, comment: str = "", at_term_end: bool = False
) -> Contract:
    """End a contract with an exit reason: now (terminated) or at the end of its term (do not renew)."""
    _require_manager(by, contract)
    exit_reason, comment = check_exit(reason, comment)
    locked = Contract.objects.select_for_update().select_related("plan", "organisation").get(id=contract.id)
    if locked.exit_recorded:
        raise Conflict(f"this contract was already ended on {locked.ended_on}")
    renewal = renewal_of(locked)
    if renewal is not None:
        raise Conflict(f"this contract has been renewed as {renewal.reference}; end that term instead")
    before = locked.status
    locked.status, locked.ended_on = _ending(locked, today(), at_term_end)
    locked.exit_reason, locked.exit_comment = exit_reason, comment
    locked.ended_at, locked.ended_by = clock.now(), by
    locked.save(
        update_fields=["status", "ended_on", "exit_reason", "exit_comment", "ended_at", "ended_by", "updated_at"]
    )
    _event(locked, ContractEventKind.ENDED, by, before=before, after=locked.status, note=comment)
    audit.record(
        by,
        "contract.ended",
        locked,
        f"Ended {locked.reference} ({exit_reason.value})",
        reason=exit_reason.value,
        comment=comment,
        at_term_end=at_term_end,
        ended_on=locked.ended_on,
        status=locked.status,
    )
    return locked
