"""Two agents logging time on one contract at the same moment, on two database connections.

Without the row lock on the contract, both transactions would read "50 of 60 minutes used", each would record no
overage and neither would send the 100% alert. With it, the second waits for the first and sees its minutes.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from upstream.hours import services
from upstream.hours.models import HoursAlert, TimeEntry
from upstream.hours.tests.world import log, make_bank

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_entries_split_the_overage_and_alert_once():
    bank = make_bank("1")
    log(bank, 50)  # 50 of 60: the 80% alert is sent now
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def agent_logs(minutes: int) -> None:
        try:
            start.wait(timeout=10)
            services.log_time(by=bank.agent, ticket=bank.ticket, data=services.EntryInput(duration=minutes))
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=agent_logs, args=(minutes,)) for minutes in (8, 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    entries = list(TimeEntry.objects.order_by("id"))
    assert [e.minutes for e in entries] == [50, 8, 8]
    # 66 of 60 minutes: exactly 6 minutes of overage, carried by whichever entry came second.
    assert sum(e.overage_minutes for e in entries) == 6
    assert sorted(e.overage_minutes for e in entries[1:]) == [0, 6]
    assert sorted(HoursAlert.objects.values_list("threshold", flat=True)) == [80, 100]
