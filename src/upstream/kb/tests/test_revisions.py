"""Every content change writes a numbered revision; the history page shows the difference between any two."""

import pytest
from django.urls import reverse

from upstream.kb import services
from upstream.kb.models import ArticleRevision, Visibility
from upstream.kb.tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_create_writes_revision_one(kb_world):
    revisions = list(kb_world.public.revisions.all())
    assert [r.number for r in revisions] == [1]
    assert revisions[0].title == "Public replication guide" and revisions[0].author == kb_world.agent


def test_content_changes_add_revisions_settings_do_not(kb_world):
    article = make_article(by=kb_world.agent, title="First", body="line one")
    services.update_article(
        by=kb_world.admin, article=article, fields=services.ArticleFields(body_markdown="line two"), note="fix"
    )
    services.update_article(
        by=kb_world.admin, article=article, fields=services.ArticleFields(visibility=Visibility.CUSTOMERS)
    )
    services.update_article(by=kb_world.admin, article=article, fields=services.ArticleFields(title="Second"))
    revisions = list(ArticleRevision.objects.filter(article=article).order_by("number"))
    assert [(r.number, r.title, r.body_markdown) for r in revisions] == [
        (1, "First", "line one"),
        (2, "First", "line two"),
        (3, "Second", "line two"),
    ]
    assert revisions[1].note == "fix" and revisions[1].author == kb_world.admin


def test_published_article_stays_published_and_is_rerendered(kb_world):
    article = services.update_article(
        by=kb_world.agent, article=kb_world.public, fields=services.ArticleFields(body_markdown="**new**")
    )
    assert article.is_published and article.body_html == "<p><strong>new</strong></p>\n"


def test_history_page_shows_a_diff_between_any_two(client, kb_world):
    article = make_article(by=kb_world.agent, title="Guide", body="alpha\nbeta\ngamma")
    for body in ("alpha\nBETA\ngamma", "alpha\nBETA\ngamma\n<script>alert(1)</script>"):
        services.update_article(by=kb_world.agent, article=article, fields=services.ArticleFields(body_markdown=body))
    client.force_login(kb_world.agent)
    url = reverse("kb:history", args=[article.id])
    latest = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in latest and "<script>alert(1)" not in latest
    first_to_second = client.get(url, {"from": 1, "to": 2}).content.decode()
    assert "<del>beta</del>" in first_to_second and "<ins>BETA</ins>" in first_to_second
    assert client.get(url, {"from": "x", "to": "999"}).status_code == 200  # bad numbers fall back to defaults


def test_history_is_for_staff(client, kb_world):
    client.force_login(kb_world.customer_user)
    assert client.get(reverse("kb:history", args=[kb_world.public.id])).status_code == 302
