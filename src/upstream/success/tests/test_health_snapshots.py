"""The daily health computation: real data in, one snapshot per organisation per day, few queries in all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from upstream.core import clock
from upstream.core.testing import make_contract, make_org, make_ticket
from upstream.customers.models import Priority
from upstream.hours.models import TimeEntry
from upstream.sla.models import SlaEvent, SlaEventKind
from upstream.success import services
from upstream.success.health import Factor
from upstream.success.models import HealthSettings, HealthSnapshot
from upstream.success.tests.world import interaction, make_world, today
from upstream.surveys.models import CsatSurvey, NpsSurvey
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def factors_of(snapshot):
    return {f["factor"]: f for f in snapshot.factors["factors"]}


def test_factors_are_measured_from_tickets_sla_surveys_contract_and_hours():
    world = make_world(renewal_in_days=90)
    now = clock.now()
    p1 = make_ticket(world.contact, world.org, by=world.admin, priority=Priority.P1, subject="Cluster down")
    make_ticket(world.contact, world.org, priority=Priority.P2)
    old = make_ticket(world.contact, world.org)
    Ticket.objects.filter(id=old.id).update(created_at=now - timedelta(days=60))
    SlaEvent.objects.create(
        ticket=p1,
        metric="first_response",
        kind=SlaEventKind.BREACHED,
        at=now,
        cycle_start=now - timedelta(hours=2),
        recorded_at=now,
    )
    CsatSurvey.objects.create(
        ticket=old, contact=world.contact, organisation=world.org, sent_at=now, score=4, answered_at=now
    )
    CsatSurvey.objects.create(ticket=p1, contact=world.contact, organisation=world.org, sent_at=now)  # unanswered
    for score in (10, 9, 3):
        NpsSurvey.objects.create(
            contact=world.contact, organisation=world.org, sent_at=now, score=score, answered_at=now
        )
    TimeEntry.objects.create(
        ticket=old, contract=world.contract, user=world.manager, minutes=150, billable=True, worked_on=today()
    )

    assert services.compute_health(now) == 1
    snapshot = HealthSnapshot.objects.get(organisation=world.org)
    f = factors_of(snapshot)
    assert f[Factor.TICKET_TREND]["detail"] == {"recent": 2, "baseline": 1, "monthly_average": 0.3}
    assert f[Factor.OPEN_URGENT]["detail"] == {"p1": 1, "p2": 1} and f[Factor.OPEN_URGENT]["points"] == 25
    assert f[Factor.SLA_BREACHES]["detail"] == {"breaches": 1} and f[Factor.SLA_BREACHES]["points"] == 80
    assert f[Factor.CSAT]["detail"] == {"average": 4.0, "answers": 1} and f[Factor.CSAT]["points"] == 75
    assert f[Factor.NPS]["detail"] == {"nps": 33, "answers": 3}
    assert f[Factor.LAST_INTERACTION]["detail"] == {"days": 0}
    assert f[Factor.RENEWAL]["detail"] == {"days": 90} and f[Factor.RENEWAL]["points"] == 50
    assert f[Factor.HOURS_USED]["detail"] == {"percent": 25.0} and f[Factor.HOURS_USED]["points"] == 70
    assert snapshot.renewal_on == world.contract.ends_on
    assert snapshot.factors["renormalised"] is False
    assert 0 <= snapshot.score <= 100


def test_missing_survey_contract_and_hours_are_left_out_and_said_so():
    org = make_org()
    services.compute_health(clock.now())
    f = factors_of(HealthSnapshot.objects.get(organisation=org))
    for factor in (Factor.CSAT, Factor.NPS, Factor.RENEWAL, Factor.HOURS_USED):
        assert f[factor]["excluded"] == "no_data" and f[factor]["share"] == 0
    assert HealthSnapshot.objects.get(organisation=org).factors["renormalised"] is True
    # A new organisation with no contact yet is silent since it was added today, not for a year.
    assert f[Factor.LAST_INTERACTION]["detail"] == {"days": 0}


def test_recomputing_the_same_day_replaces_the_snapshot_and_keeps_the_previous_score():
    world = make_world()
    now = clock.now()
    HealthSnapshot.objects.create(
        organisation=world.org, computed_on=today() - timedelta(days=1), score=42, computed_at=now
    )
    services.compute_health(now)
    first = HealthSnapshot.objects.get(organisation=world.org, computed_on=today())
    make_ticket(world.contact, world.org, by=world.admin, priority=Priority.P1)
    services.compute_health(now + timedelta(minutes=5))
    assert HealthSnapshot.objects.filter(organisation=world.org).count() == 2
    second = HealthSnapshot.objects.get(organisation=world.org, computed_on=today())
    assert second.id == first.id and second.score < first.score
    assert second.previous_score == 42


def test_weights_come_from_the_settings():
    world = make_world()
    settings = HealthSettings.current()
    for factor in Factor:
        setattr(settings, f"weight_{factor.value}", 0)
    settings.weight_open_urgent = 5
    settings.save()
    make_ticket(world.contact, world.org, by=world.admin, priority=Priority.P1)
    services.compute_health(clock.now())
    assert HealthSnapshot.objects.get(organisation=world.org).score == 50


def test_the_last_interaction_counts_logged_interactions_and_customer_messages():
    world = make_world()
    now = clock.now()
    interaction(world, at=now - timedelta(days=40))
    Ticket.objects.all().delete()
    world.org.__class__.objects.filter(id=world.org.id).update(created_at=now - timedelta(days=400))
    services.compute_health(now)
    snapshot = HealthSnapshot.objects.get(organisation=world.org)
    assert factors_of(snapshot)[Factor.LAST_INTERACTION]["detail"] == {"days": 40}
    make_ticket(world.contact, world.org)  # a customer's new ticket and message: contact today
    services.compute_health(now)
    snapshot.refresh_from_db()
    assert factors_of(snapshot)[Factor.LAST_INTERACTION]["detail"] == {"days": 0}


def test_the_computation_is_set_based(django_assert_max_num_queries):
    for _ in range(3):
        world = make_world()
        make_ticket(world.contact, world.org)
    services.compute_health(clock.now())
    with django_assert_max_num_queries(16) as few:
        services.compute_health(clock.now())
    for _ in range(6):
        world = make_world()
        make_ticket(world.contact, world.org, priority=Priority.P2)
        make_contract(world.org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert services.compute_health(clock.now()) == 9


def test_one_organisation_can_be_recomputed_alone():
    a, b = make_world(), make_world()
    assert services.compute_health(clock.now(), [a.org.id]) == 1
    assert list(HealthSnapshot.objects.values_list("organisation_id", flat=True)) == [a.org.id]
    assert timezone.localdate(HealthSnapshot.objects.get().computed_at) == today()
    assert b.org.id not in HealthSnapshot.objects.values_list("organisation_id", flat=True)


def test_settings_refuse_all_zero_weights_and_out_of_range_values():
    from django.core.exceptions import ValidationError

    settings = HealthSettings.current()
    for factor in Factor:
        setattr(settings, f"weight_{factor.value}", 0)
    with pytest.raises(ValidationError, match="At least one weight"):
        settings.full_clean()
    settings.weight_csat = 101
    with pytest.raises(ValidationError) as error:
        settings.full_clean()
    assert "weight_csat" in error.value.message_dict


def test_admins_edit_the_weights_in_the_admin(client):
    from upstream.core.testing import make_admin

    admin = make_admin(is_staff=True, is_superuser=True)
    client.force_login(admin)
    settings = HealthSettings.current()
    url = f"/admin/success/healthsettings/{settings.id}/change/"
    data = {f"weight_{f.value}": "0" for f in Factor} | {"risk_threshold": "60"}
    response = client.post(url, data)
    assert response.status_code == 200 and "At least one weight" in response.content.decode()
    data["weight_nps"] = "30"
    assert client.post(url, data).status_code == 302
    assert HealthSettings.current().weights()[Factor.NPS] == 30


def test_a_renewal_already_signed_moves_the_renewal_date():
    world = make_world(renewal_in_days=20)
    follow_on = make_contract(
        world.org,
        starts_on=world.contract.ends_on + timedelta(days=1),
        ends_on=world.contract.ends_on + timedelta(days=366),
    )
    services.compute_health(clock.now())
    snapshot = HealthSnapshot.objects.get(organisation=world.org)
    assert snapshot.renewal_on == follow_on.ends_on
    assert factors_of(snapshot)[Factor.RENEWAL]["points"] == 100
