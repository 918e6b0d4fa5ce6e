"""Acceptance on ../shared/data/bounces/expected.json: hard/soft agrees for at least 95% of the failed-recipient
entries (counted per entry; an entry is compared with the recipient at the same position)."""

from upstream.channels.email.bounces import BounceReport, parse_bounce
from upstream.channels.email.tests.test_bounce_support import (
    BOUNCES_DIR,
    expected,
    maildir,
    parse_file,
    require_bounce_data,
)


def _agreement() -> tuple[int, int, int, int]:
    agree = total = status_agree = status_total = 0
    for rel, entries in expected().items():
        report = parse_bounce(parse_file(BOUNCES_DIR / rel))
        recipients = report.recipients if report else ()
        for i, entry in enumerate(entries):
            total += 1
            mine = recipients[i] if i < len(recipients) else (recipients[0] if recipients else None)
            # no report (e.g. a success notification) marks nothing: counts as "not hard"
            agree += (mine.hard if mine is not None else False) == entry["hardbounce"]
            # sisimai's own pseudo codes (x.0.9xx) are not DSN codes; compare real ones only
            if entry["status"] and ".0.9" not in entry["status"]:
                status_total += 1
                status_agree += mine is not None and mine.status == entry["status"]
    return agree, total, status_agree, status_total


def test_hard_soft_agreement_at_least_95_percent():
    require_bounce_data()
    agree, total, status_agree, status_total = _agreement()
    assert total >= 400
    print(f"hard/soft {agree}/{total} = {agree / total:.4f}; status {status_agree}/{status_total}")
    assert agree / total >= 0.95


def test_every_bsd_message_parses_to_a_report():
    require_bounce_data()
    reports: dict[str, BounceReport | None] = {p.name: parse_bounce(parse_file(p)) for p in maildir("bsd")}
    success_only = {
        rel.rsplit("/", 1)[-1]
        for rel, entries in expected().items()
        if all(entry["reason"] == "delivered" for entry in entries)
    }
    assert sorted(name for name, report in reports.items() if report is None) == sorted(success_only)
    kinds = {report.kind for report in reports.values() if report}
    assert kinds == {"bounce", "delay", "feedback", "auto-reply"}
