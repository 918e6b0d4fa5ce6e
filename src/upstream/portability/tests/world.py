"""Data across every app, for export tests: two organisations (B's data must never reach A's archive), tickets with
messages and attachments, an email that opened a ticket (its raw file kept), activity, SLA state and events,
contracts, time entries, surveys, KB articles with feedback, customer-success records, notifications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from upstream.accounts.models import User
from upstream.channels.email.tests.mail_world import MailWorld, build, deliver, make_mail_world
from upstream.core import clock
from upstream.core.testing import (
    TwoOrganisations,
    make_admin,
    make_agent,
    make_contract,
    make_product,
    make_two_organisations,
    upload,
)
from upstream.customers.models import Contract
from upstream.hours.models import TimeEntry
from upstream.kb.assist.models import Deflection
from upstream.kb.models import Article, ArticleFeedback, Category
from upstream.notifications.services import notify
from upstream.sla.models import BusinessCalendar, SlaEvent, SlaPolicy, TicketSla
from upstream.success.models import HealthSnapshot, Interaction, SuccessTask
from upstream.surveys.models import CsatSurvey, NpsSurvey
from upstream.tickets import services as ticket_services
from upstream.tickets.models import Tag


@dataclass
class World:
    orgs: TwoOrganisations
    mail: MailWorld
    admin: User
    agent: User
    contract_a: Contract
    internal_article: Article
    public_article: Article


def build_world() -> World:
    now = clock.now()
    admin = make_admin(username="root-admin")
    orgs = make_two_organisations()
    agent = make_agent(orgs.platform, username="agent-a", full_name="Agent Ａ 张")
    product = make_product("Postgres Suite")
    contract_a = make_contract(orgs.org_a, products=(product,))
    contract_b = make_contract(orgs.org_b)
    ticket = orgs.ticket_a
    ticket.contract = contract_a
    ticket.assignee = agent
    ticket.save(update_fields=["contract", "assignee"])
    ticket.tags.add(Tag.objects.create(name="backup"), Tag.objects.create(name="紧急"))
    ticket_services.reply(
        by=agent,
        ticket=ticket,
        body="Please send the log — 请发送日志。",
        uploads=[upload("server.log", b"\x00\x01log")],
    )
    assert orgs.alice.user is not None
    ticket_services.reply(by=orgs.alice.user, ticket=ticket, body="Here it is, alice@example.org, +86 138 0000 0000")

    calendar = BusinessCalendar.objects.create(name="Shanghai hours", time_zone="Asia/Shanghai")
    policy = SlaPolicy.objects.create(plan=contract_a.plan, priority=2, first_response_minutes=60,
                                      first_response_calendar=calendar)  # fmt: skip
    TicketSla.objects.update_or_create(
        ticket=ticket, defaults={"policy": policy, "metrics": {"first_response": {}}, "computed_at": now}
    )
    SlaEvent.objects.create(ticket=ticket, metric="first_response", kind="started", at=now, cycle_start=now,
                            recorded_at=now, detail={"why": "opened"})  # fmt: skip
    SlaEvent.objects.create(ticket=orgs.ticket_b, metric="first_response", kind="started", at=now, cycle_start=now,
                            recorded_at=now)  # fmt: skip

    TimeEntry.objects.create(ticket=ticket, contract=contract_a, user=agent, minutes=45, billable=True,
                             note="log analysis", worked_on=now.date())  # fmt: skip
    TimeEntry.objects.create(ticket=orgs.ticket_b, contract=contract_b, user=agent, minutes=30, billable=False,
                             worked_on=now.date())  # fmt: skip
    CsatSurvey.objects.update_or_create(ticket=ticket, defaults=dict(
        contact=orgs.alice, organisation=orgs.org_a, agent=agent, sent_at=now, score=4,
        comment="Quick, thanks alice", answered_at=now))  # fmt: skip
    CsatSurvey.objects.update_or_create(ticket=orgs.ticket_b, defaults=dict(
        contact=orgs.bob, organisation=orgs.org_b, sent_at=now, score=2, answered_at=now))  # fmt: skip
    NpsSurvey.objects.create(contact=orgs.alice, organisation=orgs.org_a, sent_at=now, score=9, answered_at=now)

    category = Category.objects.create(name_en="Backups", name_zh="备份", slug="backups")
    public = Article.objects.create(title="Restoring a backup", slug="restore", body_markdown="Steps",
                                    category=category, author=admin, visibility="public", status="published",
                                    source_ticket=orgs.ticket_b)  # fmt: skip
    internal = Article.objects.create(title="Internal runbook", slug="runbook", body_markdown="secret", author=agent,
                                      visibility="internal", status="published")  # fmt: skip
    public.related.add(internal)
    public.products.add(product)
    ArticleFeedback.objects.create(article=public, helpful=True, comment="clear", user=orgs.alice.user)
    Deflection.objects.create(article=public, user=orgs.alice.user, question="how to restore?", created_at=now)

    Interaction.objects.create(organisation=orgs.org_a, kind="call", author=agent, contact=orgs.alice, happened_at=now,
                               duration_minutes=20, summary="Quarterly call")  # fmt: skip
    HealthSnapshot.objects.create(organisation=orgs.org_a, computed_on=now.date() - dt.timedelta(days=1), score=71,
                                  factors={"csat": 4.0}, computed_at=now)  # fmt: skip
    SuccessTask.objects.create(organisation=orgs.org_b, assignee=agent, playbook="renewal", title="Call Bob",
                               period_key="2026-11", due_on=now.date(), created_at=now)  # fmt: skip
    notify(agent, text="SLA warning", ticket=ticket, email=False)
    contract_a.consulting_hours = Decimal("12.50")
    contract_a.save(update_fields=["consulting_hours"])

    mail = make_mail_world()
    deliver(build(message_id="<q1@acme.test>", subject="Mail opens a ticket"), mail.mailbox)
    return World(orgs=orgs, mail=mail, admin=admin, agent=agent, contract_a=contract_a,
                 internal_article=internal, public_article=public)  # fmt: skip
