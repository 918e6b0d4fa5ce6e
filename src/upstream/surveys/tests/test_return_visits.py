"""Return visits (回访): the seeded questions, onboarding scheduling, on-demand visits, answers by link or by phone,
and results per dimension."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from upstream.core.errors import InvalidInput
from upstream.core.testing import PASSWORD, make_contact, make_contract, make_org, make_user
from upstream.customers.models import ContractStatus
from upstream.notifications.models import Notification, OutboundEmail
from upstream.surveys import queries, tokens, visits
from upstream.surveys.models import Dimension, ReturnVisit, ReturnVisitAnswer, ReturnVisitQuestion, VisitReason
from upstream.surveys.tests.survey_world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def test_the_default_questions_cover_the_four_dimensions_in_both_languages():
    questions = visits.active_questions()
    assert {q.dimension for q in questions} == set(Dimension.values)
    assert all(q.text_en and q.text_zh_hans for q in questions)
    product = [q.text_en for q in questions if q.dimension == Dimension.PRODUCT]
    assert [t.split(":")[0] for t in product] == ["Installation", "Configuration", "Stability", "Features"]
    service = [q.text_en.split(":")[0] for q in questions if q.dimension == Dimension.SERVICE]
    assert service == ["Access", "Response time", "Channel", "Resolution efficiency", "Attitude"]


def _new_customer(days_since_start: int, *, manager=None):
    org = make_org()
    org.account_manager = manager
    org.save()
    start = timezone.localdate() - timedelta(days=days_since_start)
    make_contract(org, starts_on=start, ends_on=start + timedelta(days=365))
    admin = make_contact(org, admin=True)
    return org, admin


def test_an_onboarding_visit_is_scheduled_n_days_after_the_first_contract_starts():
    manager = make_user(username="am", full_name="Amy Manager")
    due, contact = _new_customer(30, manager=manager)
    too_early, _ = _new_customer(29)
    long_ago, _ = _new_customer(400)
    trial_only = make_org()
    make_contract(trial_only, status=ContractStatus.TRIAL, starts_on=timezone.localdate() - timedelta(days=30))
    assert visits.schedule_onboarding() == 1
    visit = ReturnVisit.objects.get()
    assert (visit.organisation, visit.contact, visit.account_manager, visit.reason) == (
        due, contact, manager, VisitReason.ONBOARDING,
    )  # fmt: skip
    assert visit.scheduled_for == timezone.localdate() and visit.sent_at is not None
    assert "/surveys/r/visit/" in OutboundEmail.objects.get(to=[contact.email]).body_text
    assert Notification.objects.filter(user=manager, url=f"/surveys/visits/{visit.id}/").exists()
    assert visits.schedule_onboarding() == 0  # once per organisation
    assert not ReturnVisit.objects.filter(organisation__in=[too_early, long_ago, trial_only]).exists()


def _visit(world, **extra):
    return ReturnVisit.objects.create(
        organisation=world.org, contact=world.customer, reason=VisitReason.ON_DEMAND,
        scheduled_for=timezone.localdate(), **extra,
    )  # fmt: skip


def _link(visit):
    return reverse("surveys:visit_link", kwargs={"token": tokens.make_token("visit", visit.id)})


def test_the_customer_answers_through_the_link_in_their_language(world):
    world.customer.user.language = "zh-hans"
    world.customer.user.save()
    visit = _visit(world)
    questions = visits.active_questions()
    client = Client()
    page = client.get(_link(visit))
    assert page.status_code == 200
    assert questions[0].text_zh_hans.encode() in page.content
    data = {f"score_{q.id}": "4" for q in questions[:5]} | {f"comment_{questions[0].id}": "文档很好"}
    assert client.post(_link(visit), data).status_code == 200
    visit.refresh_from_db()
    assert visit.completed_at is not None and visit.completed_by is None
    assert visit.answers.count() == 5
    assert visit.answers.get(question=questions[0]).comment == "文档很好"
    assert client.post(_link(visit), data).status_code == 409
    assert visit.answers.count() == 5


def test_an_out_of_range_answer_refuses_the_whole_submission(world):
    visit = _visit(world)
    questions = visits.active_questions()
    data = {f"score_{questions[0].id}": "5", f"score_{questions[1].id}": "7"}
    assert Client().post(_link(visit), data).status_code == 400
    assert not ReturnVisitAnswer.objects.exists()
    visit.refresh_from_db()
    assert visit.completed_at is None
    with pytest.raises(InvalidInput):
        visits.record_answers(visit, [visits.AnswerInput(questions[0].id, 0)], by=None)
    with pytest.raises(InvalidInput):  # nothing scored at all
        visits.record_answers(visit, [visits.AnswerInput(questions[0].id, None)], by=None)
    assert not ReturnVisitAnswer.objects.exists()


def test_forged_and_expired_visit_links_change_nothing(world, monkeypatch):
    import time

    from django.core import signing

    visit = _visit(world)
    link = _link(visit)
    assert Client().post(link[:-4] + "xx/", {}).status_code == 404
    later = time.time() + 31 * tokens.DAY
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert Client().get(link).status_code == 410


def test_the_account_manager_schedules_a_visit_and_records_a_phone_call(world):
    client = Client()
    client.login(username="lead", password=PASSWORD)
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/surveys/organisations/{world.org.id}/", {"contact": world.customer.id, "scheduled_for": today}
    )
    visit = ReturnVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/visits/{visit.id}/"
    assert visit.reason == VisitReason.ON_DEMAND and visit.sent_at is None  # a call, no email
    questions = visits.active_questions()
    data = {f"score_{q.id}": str(1 + i % 5) for i, q in enumerate(questions)} | {"notes": "Called Li Na"}
    assert client.post(f"/surveys/visits/{visit.id}/", data).status_code == 302
    visit.refresh_from_db()
    assert visit.completed_by == world.lead and visit.notes == "Called Li Na"
    assert visit.answers.count() == len(questions)
    page = client.get(f"/surveys/visits/{visit.id}/")
    assert page.status_code == 200 and b"Called Li Na" in page.content


def test_scheduling_with_an_email_sends_the_link(world):
    client = Client()
    client.login(username="lead", password=PASSWORD)
    client.post(
        f"/surveys/organisations/{world.org.id}/",
        {"contact": world.customer.id, "scheduled_for": timezone.localdate().isoformat(), "email_link": "on"},
    )
    assert ReturnVisit.objects.get().sent_at is not None
    assert OutboundEmail.objects.filter(to=[world.customer.email]).exists()


def test_a_contact_of_another_organisation_cannot_be_chosen(world):
    stranger = make_contact(make_org())
    client = Client()
    client.login(username="lead", password=PASSWORD)
    response = client.post(
        f"/surveys/organisations/{world.org.id}/",
        {"contact": stranger.id, "scheduled_for": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400 and not ReturnVisit.objects.exists()


def test_results_per_dimension_per_organisation(world):
    by_dimension = {d: ReturnVisitQuestion.objects.filter(dimension=d).first() for d in Dimension.values}
    first, second = _visit(world), _visit(world)
    visits.record_answers(first, [visits.AnswerInput(by_dimension["product"].id, 2),
                                  visits.AnswerInput(by_dimension["service"].id, 5)], by=None)  # fmt: skip
    visits.record_answers(second, [visits.AnswerInput(by_dimension["product"].id, 4)], by=world.lead)
    rows = {r.dimension: r for r in queries.results_by_dimension(ReturnVisitAnswer.objects.filter(
        visit__organisation=world.org))}  # fmt: skip
    assert (rows["product"].average, rows["product"].answers) == (3.0, 2)
    assert rows["service"].average == 5.0
    assert rows["documentation"].average is None and rows["documentation"].answers == 0


def test_a_deleted_question_keeps_its_answers(world):
    question = visits.active_questions()[0]
    visit = _visit(world)
    visits.record_answers(visit, [visits.AnswerInput(question.id, 3)], by=None)
    question.delete()
    answer = ReturnVisitAnswer.objects.get()
    assert answer.question is None and answer.dimension == question.dimension and answer.question_text


def test_customers_cannot_open_visit_pages(world):
    visit = _visit(world)
    client = Client()
    client.login(username=world.customer.user.username, password=PASSWORD)
    assert client.get(f"/surveys/visits/{visit.id}/").status_code == 302
    assert ReturnVisit.objects.filter(id=visit.id, completed_at=None).exists()


def test_dates_are_fixed_for_the_onboarding_rule():
    # The daily job's rule uses local dates: a contract starting today is not yet due.
    _new_customer(0)
    assert visits.schedule_onboarding(datetime.now(UTC)) == 0


def test_staff_remove_an_unanswered_visit_but_keep_an_answered_one(world):
    open_visit, answered = _visit(world), _visit(world)
    visits.record_answers(answered, [visits.AnswerInput(visits.active_questions()[0].id, 4)], by=None)
    client = Client()
    client.login(username="lead", password=PASSWORD)
    assert client.post(f"/surveys/visits/{open_visit.id}/cancel/").status_code == 302
    assert client.post(f"/surveys/visits/{answered.id}/cancel/").status_code == 302
    assert list(ReturnVisit.objects.values_list("id", flat=True)) == [answered.id]
    assert Client().get(_link(open_visit)).status_code == 404
    customer = Client()
    customer.login(username=world.customer.user.username, password=PASSWORD)
    assert customer.post(f"/surveys/visits/{answered.id}/cancel/").status_code == 403
