"""The CSV export: UTF-8 with a byte-order mark (Excel then reads Chinese), a header row, one row per metric ×
priority and a total row carrying the credit; the same for agents and for the organisation admin."""

import csv
import io

import pytest

from upstream.core import clock
from upstream.core.testing import make_agent
from upstream.sla.tests.credit_world import AFTER_NOVEMBER, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch):
    built = build_world(monkeypatch)
    monkeypatch.setattr(clock, "now", lambda: AFTER_NOVEMBER)
    return built


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_agent_csv(client, world):
    client.force_login(make_agent())
    response = client.get(f"/sla/credits/{world.contract.id}/2026-11.csv")
    assert "attachment" in response["Content-Disposition"] and "2026-11.csv" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0] == ["Contract", "Organisation", "Month", "Metric", "Priority", "Met", "Breached", "Open",
                       "Compliance (%)", "Credit (CNY)"]  # fmt: skip
    assert len(rows) == 1 + 12 + 1
    ref, org = world.contract.reference, "北京示例科技有限公司"
    assert rows[3] == [ref, org, "2026-11", "First response", "P3 – normal", "1", "2", "0", "33.3", ""]
    assert rows[-1] == [ref, org, "2026-11", "Total", "", "5", "3", "0", "62.5", "2500.00"]
    assert client.get(f"/sla/credits/{world.contract.id}/2026-11/?format=csv").content == response.content


def test_portal_csv_in_chinese(client, world):
    client.force_login(world.admin_contact.user)
    response = client.get(f"/portal/sla/{world.contract.id}/2026-11.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = _rows(response)
    assert rows[-1][1] == "北京示例科技有限公司"
    assert rows[-1][-1] == "2500.00"
    assert rows[-1][4:8] == ["", "5", "3", "0"]
