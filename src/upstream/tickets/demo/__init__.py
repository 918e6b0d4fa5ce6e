"""Demo and bulk data for `upstream generate`.

- reference.py: the vendor's products, plans, teams, staff, customer organisations, contacts and contracts
  (idempotent: created when missing, found by natural key otherwise).
- scenarios_en.py / scenarios_zh.py: believable support conversations in English and Chinese.
- conversations.py: about 200 demo tickets played through the ticket services with a moved clock, so every
  timestamp, status and activity entry is what the real code would have produced.
- bulk.py: millions of tickets for benchmarks, written with PostgreSQL COPY (bulk_create on SQLite).
"""
