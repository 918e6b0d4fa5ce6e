"""draft → review → published; review → draft; published → draft. Any other step is a 409 naming what is allowed,
on the service, the API and the editor page."""

import pytest
from django.urls import reverse

from upstream.core.errors import Conflict, Forbidden
from upstream.core.testing import api_client
from upstream.kb import services
from upstream.kb.models import Article, Status
from upstream.kb.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_the_whole_path(kb_world):
    article = make_article(by=kb_world.agent, status=Status.DRAFT)
    assert article.status == Status.DRAFT and article.published_at is None
    article = services.submit_for_review(by=kb_world.agent, article=article)
    assert article.status == Status.REVIEW
    article = services.publish(by=kb_world.admin, article=article)
    assert article.status == Status.PUBLISHED and article.reviewer == kb_world.admin and article.published_at
    article = services.unpublish(by=kb_world.agent, article=article)
    assert article.status == Status.DRAFT


def test_review_can_be_rejected_with_a_note(kb_world):
    article = services.reject(by=kb_world.admin, article=kb_world.in_review, note="Add the failover command")
    assert article.status == Status.DRAFT
    assert "Add the failover command" in article.revisions.order_by("-number").first().note


@pytest.mark.parametrize(
    ("start", "step"),
    [
        (Status.DRAFT, services.publish),
        (Status.DRAFT, services.unpublish),
        (Status.REVIEW, services.submit_for_review),
        (Status.PUBLISHED, services.publish),
        (Status.PUBLISHED, services.submit_for_review),
    ],
)
def test_wrong_steps_are_conflicts(kb_world, start, step):
    article = make_article(by=kb_world.agent, status=start)
    with pytest.raises(Conflict) as caught:
        step(by=kb_world.agent, article=article)
    assert "Allowed next" in caught.value.message
    assert Article.objects.get(id=article.id).status == start


def test_customers_cannot_move_articles(kb_world):
    with pytest.raises(Forbidden):
        services.publish(by=kb_world.customer_user, article=kb_world.in_review)


def test_an_empty_draft_cannot_go_to_review(kb_world):
    article = make_article(by=kb_world.agent, body="", status=Status.DRAFT)
    with pytest.raises(Exception) as caught:
        services.submit_for_review(by=kb_world.agent, article=article)
    assert getattr(caught.value, "status", None) == 422
    assert Article.objects.get(id=article.id).status == Status.DRAFT


def test_api_publish_of_a_draft_is_409(kb_world):
    response = api_client(kb_world.agent).post(f"/api/kb/articles/{kb_world.draft.id}/publish")
    assert response.status_code == 409
    assert response.json()["field"] == "status" and "Allowed next" in response.json()["detail"]


def test_api_steps(kb_world):
    client = api_client(kb_world.agent)
    assert client.post(f"/api/kb/articles/{kb_world.draft.id}/submit").json()["status"] == "review"
    published = client.post(f"/api/kb/articles/{kb_world.draft.id}/publish").json()
    assert published["status"] == "published" and published["allowed_statuses"] == ["draft"]
    assert client.post(f"/api/kb/articles/{kb_world.draft.id}/unpublish").json()["status"] == "draft"
    assert client.post(f"/api/kb/articles/{kb_world.in_review.id}/reject").json()["status"] == "draft"


def test_api_customer_cannot_publish(kb_world):
    client = api_client(kb_world.customer_user)
    # An article the customer can read: 403; one they cannot see (in review): 404, like a missing one.
    assert client.post(f"/api/kb/articles/{kb_world.public.id}/unpublish").status_code == 403
    assert client.post(f"/api/kb/articles/{kb_world.in_review.id}/publish").status_code == 404


def test_editor_buttons(client, kb_world):
    client.force_login(kb_world.agent)
    url = reverse("kb:workflow", args=[kb_world.in_review.id])
    response = client.post(url, {"action": "publish"})
    assert response.status_code == 302
    assert Article.objects.get(id=kb_world.in_review.id).status == Status.PUBLISHED
    again = client.post(url, {"action": "publish"})
    assert again.status_code == 409 and "Allowed next" in again.content.decode()
