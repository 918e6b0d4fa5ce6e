"""Tasks-API tasks: IDs in, a service call out."""

from __future__ import annotations

from django_tasks import task

from upstream.kb.assist import answer_bot


@task()
def offer_answer(ticket_id: int) -> bool:
    return answer_bot.offer(ticket_id) is not None


@task()
def offer_answers(ticket_ids: list[int]) -> int:
    return sum(answer_bot.offer(ticket_id) is not None for ticket_id in ticket_ids)
