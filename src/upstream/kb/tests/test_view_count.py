"""Views are counted once per session with a single UPDATE; staff previews of drafts are not views."""

import pytest

from upstream.kb import services
from upstream.kb.models import Article

pytestmark = pytest.mark.django_db


def views(article):
    return Article.objects.get(id=article.id).view_count


def test_once_per_session(client, kb_world):
    for _ in range(3):
        assert client.get(kb_world.public.get_absolute_url()).status_code == 200
    assert views(kb_world.public) == 1
    other = client.__class__()
    other.get(kb_world.public.get_absolute_url())
    assert views(kb_world.public) == 2


def test_drafts_are_not_counted(client, kb_world):
    client.force_login(kb_world.agent)
    client.get(kb_world.draft.get_absolute_url())
    assert views(kb_world.draft) == 0


def test_counting_does_not_touch_updated_at(kb_world):
    before = Article.objects.get(id=kb_world.public.id).updated_at
    session: dict = {}
    assert services.record_view(article=kb_world.public, session=session) is True
    assert services.record_view(article=kb_world.public, session=session) is False
    assert Article.objects.get(id=kb_world.public.id).updated_at == before


def test_readable_url_redirects(client, kb_world):
    article = kb_world.public
    assert client.get(f"/kb/{article.id}/").headers["Location"] == article.get_absolute_url()
    assert client.get(f"/kb/{article.id}-old-title/").headers["Location"] == article.get_absolute_url()
    assert article.slug == "public-replication-guide"
