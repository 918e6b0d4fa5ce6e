"""Optional answer drafting against a local stand-in that speaks the OpenAI chat-completions protocol (no internet)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from upstream.kb.search import semantic


@dataclass
class Article:
    title: str
    url: str
    body: str


ARTICLES = [
    Article("Reset your password", "/kb/1", "Open the sign-in page and choose *Forgot password*."),
    Article("Invoices", "/kb/2", "Invoices are under Billing → Documents."),
]


class StandIn:
    """Replies with `reply` (the assistant's content) or an HTTP `status`; records what it was sent."""

    def __init__(self) -> None:
        self.reply = "Choose *Forgot password* on the sign-in page [1]."
        self.status = 200
        self.requests: list[dict[str, Any]] = []


@pytest.fixture
def stand_in(settings) -> Iterator[StandIn]:
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.requests.append(
                {
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            if state.status != 200:
                self.send_error(state.status)
                return
            payload = json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "model": "stand-in-1",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": state.reply}, "finish_reason": "stop"}
                    ],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LLM_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.LLM_API_KEY = "local-test-key"
    settings.LLM_MODEL = "small-model"
    settings.LLM_TIMEOUT = 5
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_off_by_default(settings):
    settings.LLM_BASE_URL = ""
    assert semantic.draft_answer("How do I reset my password?", ARTICLES) is None


def test_a_draft_cites_the_articles_it_used(stand_in):
    draft = semantic.draft_answer("How do I reset my password?", ARTICLES)
    assert draft is not None
    assert draft.text.endswith("[1].") and draft.citations == [ARTICLES[0]] and draft.model == "stand-in-1"
    sent = stand_in.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer local-test-key"
    assert sent["body"]["model"] == "small-model"
    prompt = sent["body"]["messages"][-1]["content"]
    assert "[1] Reset your password" in prompt and "[2] Invoices" in prompt and "How do I reset" in prompt


@pytest.mark.parametrize("reply", [semantic.NO_ANSWER, "Probably restart it.", "See [7]."])
def test_no_draft_without_a_cited_answer(stand_in, reply):
    stand_in.reply = reply
    assert semantic.draft_answer("How do I reset my password?", ARTICLES) is None


def test_an_endpoint_error_gives_no_draft(stand_in, caplog):
    stand_in.status = 500
    assert semantic.draft_answer("How do I reset my password?", ARTICLES) is None
    assert "answer drafting failed" in caplog.text


def test_nothing_is_sent_without_articles(stand_in):
    assert semantic.draft_answer("How do I reset my password?", []) is None
    assert stand_in.requests == []


@pytest.mark.parametrize(
    ("base", "endpoint"),
    [
        ("http://h:8080", "http://h:8080/v1/chat/completions"),
        ("http://h:8080/v1/", "http://h:8080/v1/chat/completions"),
        ("https://h/openai/v1/chat/completions", "https://h/openai/v1/chat/completions"),
    ],
)
def test_endpoint_from_base_url(base, endpoint):
    assert semantic._endpoint(base) == endpoint
