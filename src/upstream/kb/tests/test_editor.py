"""The staff editor: create, edit, live preview (htmx), list filters; errors come back on the form."""

import pytest
from django.urls import reverse

from upstream.kb.models import Article, Status

pytestmark = pytest.mark.django_db


def form_data(world, **changes):
    data = {
        "title": "Configuring <em>pgBouncer</em>",
        "summary": "Pooling",
        "body_markdown": "## Install\n\n`apt install pgbouncer`",
        "language": "en",
        "visibility": "customers",
        "category": str(world.category.id),
        "products": [str(world.product.id)],
        "note": "first version",
    }
    data.update(changes)
    return data


def test_create_and_edit(client, kb_world):
    client.force_login(kb_world.agent)
    response = client.post(reverse("kb:new"), form_data(kb_world))
    article = Article.objects.get(title="Configuring <em>pgBouncer</em>")
    assert response.status_code == 302 and response["Location"] == article.manage_url()
    assert article.status == Status.DRAFT and article.author == kb_world.agent
    assert list(article.products.all()) == [kb_world.product]
    page = client.get(article.manage_url()).content.decode()
    assert "Configuring &lt;em&gt;pgBouncer&lt;/em&gt;" in page and "<em>pgBouncer</em>" not in page
    edited = client.post(article.manage_url(), form_data(kb_world, body_markdown="changed", note="shorter"))
    assert edited.status_code == 302
    assert article.revisions.count() == 2


def test_errors_stay_on_the_form(client, kb_world):
    client.force_login(kb_world.agent)
    response = client.post(reverse("kb:new"), form_data(kb_world, title="   ", language="fr"))
    assert response.status_code == 422
    assert set(response.context["form"].errors) >= {"title", "language"}


def test_live_preview(client, kb_world):
    client.force_login(kb_world.agent)
    response = client.post(
        reverse("kb:preview"), {"body_markdown": "**bold** <script>x</script>"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<script>" not in html


def test_list_filters(client, kb_world):
    client.force_login(kb_world.agent)
    page = client.get(reverse("kb:manage"), {"status": "review"}).content.decode()
    assert kb_world.in_review.title in page and kb_world.public.title not in page
    assert client.get(reverse("kb:manage"), {"cursor": "bad"}).status_code == 400


def test_delete_by_author(client, kb_world):
    client.force_login(kb_world.agent)
    assert client.post(reverse("kb:delete", args=[kb_world.draft.id])).status_code == 302
    assert not Article.objects.filter(id=kb_world.draft.id).exists()


def test_chinese_interface(client, kb_world):
    client.force_login(kb_world.agent)
    response = client.get(reverse("kb:manage"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200


def test_only_the_author_or_an_admin_deletes(client, kb_world):
    from upstream.core.testing import make_agent

    client.force_login(make_agent())
    assert "Delete article" not in client.get(kb_world.draft.manage_url()).content.decode()
    assert client.post(reverse("kb:delete", args=[kb_world.draft.id])).status_code == 403
    client.force_login(kb_world.admin)
    assert client.post(reverse("kb:delete", args=[kb_world.draft.id])).status_code == 302
