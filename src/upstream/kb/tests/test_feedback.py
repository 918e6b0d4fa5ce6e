"""Helpful / not helpful with an optional comment: one vote per signed-in user (or anonymous session) per article;
voting again changes the vote, never counts twice."""

import pytest
from django.urls import reverse

from upstream.core.errors import Conflict
from upstream.kb import services
from upstream.kb.models import Article, ArticleFeedback

pytestmark = pytest.mark.django_db


def counts(article):
    article = Article.objects.get(id=article.id)
    return article.helpful_count, article.not_helpful_count


@pytest.mark.smoke
def test_one_vote_per_user(kb_world):
    user = kb_world.customer_user
    services.record_feedback(article=kb_world.public, helpful=True, user=user)
    services.record_feedback(article=kb_world.public, helpful=True, user=user)
    assert counts(kb_world.public) == (1, 0)
    services.record_feedback(article=kb_world.public, helpful=False, comment="Missing the v16 steps", user=user)
    assert counts(kb_world.public) == (0, 1)
    vote = ArticleFeedback.objects.get(article=kb_world.public)
    assert vote.helpful is False and vote.comment == "Missing the v16 steps"


def test_anonymous_votes_per_session(kb_world):
    services.record_feedback(article=kb_world.public, helpful=True, session_key="s1")
    services.record_feedback(article=kb_world.public, helpful=True, session_key="s1")
    services.record_feedback(article=kb_world.public, helpful=True, session_key="s2")
    assert counts(kb_world.public) == (2, 0)


def test_only_published_articles_take_feedback(kb_world):
    with pytest.raises(Conflict):
        services.record_feedback(article=kb_world.draft, helpful=True, user=kb_world.agent)


def test_anonymous_reader_votes_on_the_page(client, kb_world):
    url = reverse("kb:feedback", args=[kb_world.public.id])
    response = client.post(url, {"helpful": "no", "comment": "<script>alert(1)</script> too short"})
    assert response.status_code == 302 and response["Location"].endswith("#feedback")
    client.post(url, {"helpful": "no"})
    assert counts(kb_world.public) == (0, 1)
    page = client.get(kb_world.public.get_absolute_url()).content.decode()
    assert "did not help" in page
    assert ArticleFeedback.objects.get().comment == "<script>alert(1)</script> too short"  # stored as text


def test_feedback_on_an_unreadable_article_is_404(client, kb_world):
    client.force_login(kb_world.customer_user)
    assert client.post(reverse("kb:feedback", args=[kb_world.internal.id]), {"helpful": "yes"}).status_code == 404


def test_bad_feedback_input(client, kb_world):
    url = reverse("kb:feedback", args=[kb_world.public.id])
    assert client.post(url, {"helpful": "maybe"}).status_code == 422
    assert client.post(url, {"helpful": "yes", "comment": "x" * 5000}).status_code == 422
    assert counts(kb_world.public) == (0, 0)
