"""The KB API: create, update, publish, list, get, search; bad input is a 4xx JSON error naming the problem."""

import pytest

from upstream.core.testing import api_client
from upstream.kb.models import Article, Status

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


def patch(client, url, data):
    return client.patch(url, data, content_type=JSON)


@pytest.mark.smoke
def test_create_submit_publish(kb_world):
    client = api_client(kb_world.agent)
    created = post(
        client,
        "/api/kb/articles",
        {
            "title": "Keycloak <b>SSO</b> setup",
            "body_markdown": "# Steps\n\n<script>alert(1)</script>",
            "language": "en",
            "visibility": "public",
            "category": kb_world.category.slug,
            "products": [kb_world.product.id],
            "versions": [kb_world.product.versions.first().id],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["title"] == "Keycloak <b>SSO</b> setup"
    assert "<script>" not in body["body_html"] and "&lt;script&gt;" in body["body_html"]
    assert body["category"]["slug"] == kb_world.category.slug and body["products"][0]["id"] == kb_world.product.id
    assert body["url"] == f"/kb/{body['id']}-keycloak-sso-setup/"
    assert post(client, f"/api/kb/articles/{body['id']}/submit", {}).status_code == 200
    published = post(client, f"/api/kb/articles/{body['id']}/publish", {})
    assert published.status_code == 200 and published.json()["status"] == "published"


def test_update(kb_world):
    client = api_client(kb_world.agent)
    url = f"/api/kb/articles/{kb_world.public.id}"
    response = patch(client, url, {"title": "Renamed guide", "category": None, "note": "shorter title"})
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed guide" and response.json()["category"] is None
    article = Article.objects.get(id=kb_world.public.id)
    assert article.slug == "renamed-guide" and article.revisions.count() == 2
    assert article.status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "language": "fr"}, "language"),
        ({"title": "ok", "visibility": "secret"}, "visibility"),
        ({"title": "ok", "category": "no-such-category"}, "category"),
        ({"title": "ok", "products": [999999]}, "products"),
        ({"title": "ok", "versions": [999999]}, "versions"),
        ({"title": "ok", "related": [0]}, "related"),
        ({"title": "ok", "stauts": "published"}, "stauts"),
        ({"title": "bad\x00nul"}, "title"),
        ({"title": "ok", "products": [2**70]}, "products"),
    ],
)
def test_bad_input_is_422_naming_the_field(kb_world, payload, field):
    response = post(api_client(kb_world.agent), "/api/kb/articles", payload)
    assert response.status_code == 422, response.json()
    assert response.json()["field"].split(".")[0] == field
    assert response.json()["detail"]


def test_versions_of_other_products_are_refused(kb_world):
    from upstream.core.testing import make_product

    other = make_product("Other")
    response = post(
        api_client(kb_world.agent),
        "/api/kb/articles",
        {"title": "ok", "products": [kb_world.product.id], "versions": [other.versions.first().id]},
    )
    assert response.status_code == 422 and response.json()["field"] == "versions"


def test_body_that_is_not_json(kb_world):
    response = api_client(kb_world.agent).post("/api/kb/articles", "{nope", content_type=JSON)
    assert response.status_code == 400


def test_customers_cannot_write(kb_world):
    client = api_client(kb_world.customer_user)
    assert post(client, "/api/kb/articles", {"title": "Mine"}).status_code == 403
    assert patch(client, f"/api/kb/articles/{kb_world.public.id}", {"title": "x"}).status_code == 403
    assert patch(client, f"/api/kb/articles/{kb_world.internal.id}", {"title": "x"}).status_code == 404


def test_list_filters_and_pages(kb_world):
    client = api_client(kb_world.agent)
    drafts = client.get("/api/kb/articles", {"status": "draft"}).json()["items"]
    assert [a["id"] for a in drafts] == [kb_world.draft.id]
    first = client.get("/api/kb/articles", {"limit": 2}).json()
    second = client.get("/api/kb/articles", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}
    assert client.get("/api/kb/articles", {"cursor": "garbage"}).status_code == 422
    assert client.get("/api/kb/articles", {"language": "de"}).status_code == 422
    assert client.get("/api/kb/articles/0").status_code == 422
    assert client.get("/api/kb/articles/99999999").status_code == 404


def test_search(kb_world):
    from upstream.kb.search.index import rebuild

    rebuild("article")
    client = api_client(kb_world.customer_user)
    response = client.get("/api/kb/search", {"q": "upgrade guide"})
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert kb_world.customers_only.id in ids and kb_world.internal.id not in ids
    staff = api_client(kb_world.agent).get("/api/kb/search", {"q": "corruption runbook"}).json()["items"]
    assert [item["id"] for item in staff] == [kb_world.internal.id]
    assert client.get("/api/kb/search", {"q": "corruption runbook"}).json()["items"] == []
    assert client.get("/api/kb/search", {"q": " "}).status_code == 422
    assert client.get("/api/kb/search").status_code == 422
