"""The REST API: one NinjaAPI, each app contributes a router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Upstream API", version="1", docs_url="/docs")
