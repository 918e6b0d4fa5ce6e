"""Email ingest (issue 5): a mixed corpus through the in-process path and the MTA pipe, into PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/upstream_emailbench .venv/bin/python bench/email.py

Every inbound path ends in `channels.email.ingest` (one message) or `channels.email.batch` (a fetch's batch of
messages): store the raw bytes (MEDIA_ROOT, a temporary directory here), dedupe, parse, classify machine mail and
bounces, route to a ticket (open one and acknowledge it through the outbox, or add a message), all against a
database of its own. The database (default `upstream_emailbench`; a name
must end in "bench") is dropped and created again on every run, migrated, and given the demo reference data
(organisations with email domains, contacts, contracts), the SLA demo policies and one mailbox, support@vendor.test.

The corpus is generated, seeded and streamed: each message is built with the standard `email` package, ingested and
dropped; the bench never holds the corpus. Plain, HTML alternative and with small attachments; in UTF-8, GB2312,
GBK, GB18030, Big5, ISO-2022-JP (also without a charset parameter), Shift_JIS, EUC-KR, KOI8-R, windows-1251,
windows-1252 and ISO-8859-1; from known contacts, new colleagues at customer domains and unknown senders; new
requests, replies that thread by In-Reply-To/References or by the ticket token in the subject, some with colleagues
in Cc. The 420 messages of the bounce set (../shared/data/bounces/maildir/{bsd,not}, read from there) are spread
evenly through it.

Measured, in one run:
  1. in-process: `--messages` (10,000) in fetch-sized windows of 200 (inside events.batch(), as a fetch runs),
     alternately through the fetch path (`batch.ingest_many` on batches of 20, one transaction each, what
     `fetching.store` runs for every batch an IMAP fetch hands over) and through the baseline named "one per
     transaction" (`ingest()` per message: the fetch path before batching, and still the pipe's and the SMTP
     receiver's). Same stream, database and load, so the two compare. For each: messages/s, milliseconds per
     message, SQL statements per message (Django's execute wrapper), outcomes; batches tried again after a deadlock
     and batches that went one by one; the resident set size sampled every 1,000 messages (flat, or not);
  2. the baseline named "parse only": `parsing.parse_file` on the same messages, interleaved with (1), timed apart:
     what the stdlib-based parser costs without the database and the storage;
  3. `--workers` (2) fetch workers at once, each a process with its own share of `--parallel-messages` (4,000):
     first the fetch path (`fetching.store`), then the baseline on the next messages of the stream;
  4. the pipe: `upstream mail ingest --mailbox support@vendor.test < message.eml`, one new process per message as
     Postfix or Exim run it, on a sample (`--pipe-serial` one at a time, then `--pipe-sample` with
     `--pipe-concurrency` pipes at once, like an MTA's delivery concurrency): 10,000 process starts are out of reach
     on two cores;
  5. one message with an attachment just under ATTACHMENT_MAX_BYTES (25 MiB), ingested from a file in a fresh
     process: the raw size against the peak resident set size and the peak of traced Python allocations.

Every figure is printed with the load average it was measured at (the machine is shared).

Prints tables and one line of JSON (prefixed "BENCH_JSON "); exits non-zero when a target is missed: at least 100
messages/s through the fetch path (one process, or the workers together), RSS after 10,000 messages within 10 % of
RSS after 1,000, the large message's peak below three times its raw size (and its attachment on the ticket), and no
message quarantined.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's directory comes first on sys.path, and this file (email.py) would shadow the standard
# library's `email` package for every module that imports it: take the directory off before anything does.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse
import gc
import io
import json
import logging
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
import warnings
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import charset as email_charset
from email.generator import BytesGenerator
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/upstream_emailbench"
BOUNCES = ROOT.parent / "shared" / "data" / "bounces" / "maildir"
MAILBOX = "support@vendor.test"
TARGET_RATE = 100.0  # messages/s, in-process
FLAT_TOLERANCE = 0.10  # RSS after all messages at most this much above RSS after the first window
LARGE_FACTOR = 3.0  # peak memory of the large message below this many times its raw size
SAMPLE_EVERY = 1_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="messages ingested in-process (bounces included)")
    parser.add_argument("--pipe-serial", type=int, default=40, help="pipe deliveries one at a time")
    parser.add_argument("--pipe-sample", type=int, default=200, help="pipe deliveries at --pipe-concurrency")
    parser.add_argument("--pipe-concurrency", type=int, default=2, help="pipes at once (an MTA's concurrency)")
    parser.add_argument("--large-bytes", type=int, default=0, help="attachment size (default ATTACHMENT_MAX_BYTES-64K)")
    parser.add_argument("--bounces", type=Path, default=BOUNCES, help="the bounce set (maildir with bsd/ and not/)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the in-process run to FILE")
    parser.add_argument("--keep-media", action="store_true", help="keep the MEDIA_ROOT directory (printed)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="fetch workers at once in the parallel phase (cores)")
    parser.add_argument("--parallel-messages", type=int, default=4_000, help="messages in the parallel phase")
    parser.add_argument("--large-child", nargs=2, metavar="EML", help=argparse.SUPPRESS)
    parser.add_argument("--ingest-child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--child-mode", default="batched", help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------- setup


def ensure_fresh_database(url: str) -> str:
    """Drop and create the bench's database: the corpus is the same on every run, so the database must be empty."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/email.py measures PostgreSQL: DATABASE_URL=postgres://…/upstream_emailbench")
    name = parts.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"refusing to drop and fill {name!r}: use a database whose name ends in 'bench'")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created database {name} (dropped first if it existed)", flush=True)
    return name


def bench_environment(url: str, media_root: Path) -> dict[str, str]:
    """The settings this process and every pipe process run with: nothing is sent, tasks stay in the database."""
    return {
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "upstream.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789"),
        "TASK_BACKEND": "database",  # the outbox's delivery task is enqueued as in production; no worker runs it
        "EMAIL_BACKEND": "locmem",  # and if anything did send, it would go nowhere
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
    }


def setup_django(migrate: bool) -> None:
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


@dataclass
class World:
    mailbox: Any
    known: list[tuple[str, str, str]]  # (name, email, language) of existing contacts
    domains: list[tuple[str, str]]  # (customer domain, language)


def build_world() -> World:
    from upstream.channels.email.models import Mailbox
    from upstream.core import clock
    from upstream.sla.demo import load_sla_demo
    from upstream.tickets.demo.reference import PLATFORM, ensure_reference

    now = clock.now()
    ref = ensure_reference(now)
    load_sla_demo(now=now, by=ref.admin)
    mailbox = Mailbox.objects.create(name="Support", address=MAILBOX, team=ref.teams[PLATFORM], auto_acknowledge=True)
    known, domains = [], []
    for org in ref.orgs:
        language = org.spec.language
        domains.extend((domain, language) for domain in org.spec.domains)
        known.extend((contact.name, contact.email, language) for contact in org.contacts)
    return World(mailbox=mailbox, known=known, domains=domains)


# ---------------------------------------------------------------- corpus

TEXTS: dict[str, dict[str, list[str]]] = {
    "zh": {
        "subject": ["备份任务失败", "数据库连接超时", "升级后无法登录", "集群节点不可用", "发票金额有误",
                    "证书即将过期", "性能明显下降", "请协助排查慢查询"],
        "body": ["您好，", "升级到新版本之后，每晚的备份任务都失败，日志里显示错误代码十七。",
                 "我们已经重启过服务，但问题仍然存在。", "请尽快帮忙看一下，生产环境受到影响。",
                 "附件是相关的日志文件。", "谢谢！", "此致敬礼", "昨天下午三点开始出现连接超时。",
                 "主库的复制延迟一直在增加。", "用户反馈页面加载很慢。"],
        "extra": ["张喆和李堃也在关注这个问题。", "客户编号：镕基二〇二六。"],  # outside GB2312, inside GBK
        "rare": ["𠮷野家的系统也有同样的现象。"],  # outside the BMP: GB18030 and UTF-8 only
    },
    "zh_tw": {
        "subject": ["備份工作失敗", "資料庫連線逾時", "升級後無法登入", "請協助檢查效能問題"],
        "body": ["您好，", "升級到新版本之後，每晚的備份工作都失敗了。", "我們已經重新啟動服務，問題依然存在。",
                 "請盡快協助處理，正式環境受到影響。", "謝謝！", "附件是相關的記錄檔。"],
    },
    "ja": {
        "subject": ["バックアップが失敗します", "データベース接続のタイムアウト", "ログインできません",
                    "証明書の更新について"],
        "body": ["お世話になっております。", "新しいバージョンに更新してから、夜間のバックアップが失敗しています。",
                 "サービスを再起動しましたが、問題は解決していません。", "至急ご確認いただけますでしょうか。",
                 "よろしくお願いいたします。", "ログファイルを添付します。"],
    },
    "ko": {
        "subject": ["백업 작업 실패", "데이터베이스 연결 시간 초과", "업그레이드 후 로그인 불가"],
        "body": ["안녕하세요.", "새 버전으로 업그레이드한 후 야간 백업이 계속 실패합니다.",
                 "서비스를 다시 시작했지만 문제가 계속됩니다.", "빠른 확인 부탁드립니다.", "감사합니다."],
    },
    "ru": {
        "subject": ["Ошибка резервного копирования", "Тайм-аут подключения к базе", "Не удаётся войти"],
        "body": ["Здравствуйте!", "После обновления ночное резервное копирование завершается с ошибкой 17.",
                 "Мы перезапустили службу, но проблема осталась.", "Пожалуйста, посмотрите как можно скорее.",
                 "Спасибо, с уважением."],
    },
    "fr": {
        "subject": ["Échec de la sauvegarde", "Délai d'attente dépassé", "Problème après la mise à jour"],
        "body": ["Bonjour,", "Depuis la mise à jour, la sauvegarde nocturne échoue avec l'erreur 17.",
                 "Nous avons redémarré le service, sans succès.", "Merci de regarder au plus vite.",
                 "Cordialement, Françoise", "Grüße aus München, Jürgen Weiß"],
        "extra": ["Le devis s’élève à 1 200 € « hors taxes » – voir la pièce jointe…"],  # windows-1252 only
    },
    "en": {
        "subject": ["Backups fail after upgrade", "Connection timeouts on the primary", "Cannot log in since Monday",
                    "Certificate renewal", "Slow queries on the reporting replica", "Invoice question"],
        "body": ["Hello,", "Since the upgrade to 2.4 the nightly backup fails with error 17.",
                 "We restarted the service, but the problem remains.", "Could you please have a look soon?",
                 "Production is affected.", "Logs are attached.", "Thanks, and best regards."],
        "extra": ["Status: 🔥 still failing ✔ restarted ✘ fixed"],  # UTF-8 only
    },
}  # fmt: skip

# (label, Python codec for the body, language, weight). "iso-2022-jp (no param)" is sent without a charset parameter.
CHARSETS: list[tuple[str, str, str, int]] = [
    ("utf-8", "utf-8", "any", 26),
    ("gb2312", "gb2312", "zh", 8),
    ("gbk", "gbk", "zh", 8),
    ("gb18030", "gb18030", "zh", 5),
    ("big5", "big5", "zh_tw", 6),
    ("iso-2022-jp", "iso-2022-jp", "ja", 6),
    ("iso-2022-jp (no param)", "iso-2022-jp", "ja", 2),
    ("shift_jis", "shift_jis", "ja", 5),
    ("euc-kr", "euc-kr", "ko", 5),
    ("koi8-r", "koi8-r", "ru", 4),
    ("windows-1251", "windows-1251", "ru", 4),
    ("windows-1252", "windows-1252", "fr", 6),
    ("iso-8859-1", "iso-8859-1", "fr", 6),
    ("us-ascii", "us-ascii", "en", 9),
]
GIVEN = ["wei", "na", "jun", "yan", "hao", "anna", "tom", "yuki", "minji", "olga", "luc", "eva", "ravi", "sam"]
FAMILY = ["zhang", "wang", "li", "chen", "liu", "tanaka", "kim", "ivanova", "martin", "becker", "nair", "lee"]
FREE_MAIL = ["mail.example.org", "post.example.net", "inbox.example.com", "qmail.example.cn", "163.example.cn"]


@dataclass
class Thread:
    """An earlier generated message that opened (or joined) a ticket, for replies to cite."""

    message_id: str
    name: str
    email: str
    subject: str
    charset: str
    codec: str
    language: str
    reference: str = ""  # the ticket's reference, once the bench has ingested it (for subject-token replies)


@dataclass
class Item:
    index: int
    kind: str  # new:known, new:colleague, new:unknown, reply:in-reply-to, reply:token, reply:stranger, bounce
    charset: str = ""
    shape: str = ""  # plain, html, attachments
    raw: bytes | None = None
    path: Path | None = None
    thread: Thread | None = None  # set for generated messages the bench may learn a ticket reference for
    message_id: str = ""

    def source(self) -> Any:
        return io.BytesIO(self.raw) if self.raw is not None else self.path.open("rb")  # type: ignore[union-attr]


def bounce_files(directory: Path) -> list[Path]:
    files = sorted(directory.glob("*/*.eml"))
    if not files:
        sys.exit(f"no bounce set at {directory} (expected {directory}/bsd/*.eml and {directory}/not/*.eml)")
    return files


class Corpus:
    """The seeded message stream. Generated messages are built one at a time; the only state is a bounded pool of
    recent threads (replies cite them) and counters, so memory does not grow with the number of messages."""

    def __init__(self, world: World, bounces: list[Path], *, seed: int, start: datetime) -> None:
        self.world = world
        self.bounces = bounces
        self.rng = random.Random(seed)
        self.start = start
        self.seed = seed
        self.pool: deque[Thread] = deque(maxlen=400)
        self.colleagues = 0
        self.strangers = 0
        self.weights = [w for *_, w in CHARSETS]

    def items(self, first: int, count: int, *, total: int, with_bounces: bool = True) -> Iterator[Item]:
        """Messages first … first+count-1; with bounces, the bounce set spread evenly over `total` messages."""
        # the whole set in a run of 10,000 (the corpus); a shorter run gets its share, a longer one all of it
        placed = min(len(self.bounces), round(total * len(self.bounces) / 10_000)) if with_bounces else 0
        for index in range(first, first + count):
            if placed and (index * placed) // total != ((index + 1) * placed) // total:
                yield Item(index, "bounce", path=self.bounces[(index * placed) // total])
            else:
                yield self.generate(index)

    # -- senders and texts

    def _known(self) -> tuple[str, str]:
        name, address, _ = self.rng.choice(self.world.known)
        return name, address

    def _colleague(self, domain: str | None = None) -> tuple[str, str]:
        """Someone new at a customer's domain: a new contact of that organisation."""
        if domain is None:
            domain, _ = self.rng.choice(self.world.domains)
        self.colleagues += 1
        given, family = self.rng.choice(GIVEN), self.rng.choice(FAMILY)
        return f"{given.title()} {family.title()}", f"{given}.{family}.{self.colleagues}@{domain}"

    def _stranger(self) -> tuple[str, str]:
        """An unknown sender at a domain no organisation owns."""
        self.strangers += 1
        given = self.rng.choice(GIVEN)
        return given.title(), f"{given}{self.strangers}@{self.rng.choice(FREE_MAIL)}"

    def _text(self, language: str, codec: str) -> tuple[str, str, str]:
        """(subject, plain text, HTML) in `language`, encodable in `codec`."""
        bank = TEXTS["en" if language in ("any", "en") else language]
        lines = [self.rng.choice(bank["body"]) for _ in range(self.rng.randint(3, 9))]
        for extra in ("extra", "rare"):
            if extra in bank and self.rng.random() < 0.5:
                candidate = self.rng.choice(bank[extra])
                try:
                    candidate.encode(codec)
                    lines.insert(1, candidate)
                except UnicodeEncodeError:
                    pass
        if language == "any" and self.rng.random() < 0.6:  # UTF-8: any script, several at once
            other = TEXTS[self.rng.choice(["zh", "ja", "ko", "ru", "fr", "zh_tw"])]
            lines.insert(1, self.rng.choice(other["body"]))
            lines.append(self.rng.choice(TEXTS["en"]["extra"]))
        if self.rng.random() < 0.3:  # quoted history, as mail clients add it
            lines += ["", "> " + self.rng.choice(bank["body"]), "> " + self.rng.choice(bank["body"])]
        subject = f"{self.rng.choice(bank['subject'])} #{self.rng.randint(100, 9999)}"
        text = "\n".join(lines) + "\n"
        html = "<html><body>" + "".join(f"<p>{line}</p>" for line in lines if line) + "</body></html>"
        return subject, text, html

    # -- building

    def _charset(self, codec: str) -> email_charset.Charset:
        """A Charset that writes `codec` as it is (the stdlib would turn Shift_JIS into ISO-2022-JP), with a body
        encoding as senders vary it: base64, quoted-printable or 8bit (7bit for ISO-2022-JP)."""
        cs = email_charset.Charset("utf-8")
        cs.input_charset = cs.output_charset = codec
        cs.input_codec = cs.output_codec = codec
        cs.header_encoding = self.rng.choice([email_charset.BASE64, email_charset.QP])
        if codec in ("iso-2022-jp", "us-ascii"):
            cs.body_encoding = None
        else:
            cs.body_encoding = self.rng.choices([email_charset.BASE64, email_charset.QP, None], (5, 3, 2))[0]
        return cs

    def _text_part(self, content: str, subtype: str, label: str, codec: str) -> MIMEText:
        part = MIMEText(content, subtype, self._charset(codec))  # type: ignore[arg-type]
        if label.endswith("(no param)"):
            part.del_param("charset")
        return part

    def _attachment(self, language: str) -> MIMEBase:
        choice = self.rng.random()
        if choice < 0.4:
            lines = [f"2026-11-20T09:{n % 60:02d}:00Z ERROR backup: error 17 (attempt {n})" for n in range(40, 600)]
            body = "\n".join(lines[: self.rng.randint(20, 560)]).encode()
            part: MIMEBase = MIMEText(body.decode(), "plain", "us-ascii")
            name = {"zh": "日志.txt", "ja": "ログ.txt", "ru": "журнал.txt"}.get(language, "backup.log")
        elif choice < 0.8:
            part = MIMEApplication(self.rng.randbytes(self.rng.randint(2_000, 60_000)), "octet-stream")
            part.replace_header("Content-Type", "image/png")
            name = {"zh": "截图.png", "fr": "capture d’écran.png"}.get(language, "screenshot.png")
        else:
            part = MIMEApplication(b"%PDF-1.4\n" + self.rng.randbytes(self.rng.randint(5_000, 80_000)), "pdf")
            name = "报价单.pdf" if language == "zh" else "quote.pdf"
        if name.isascii():
            part.add_header("Content-Disposition", "attachment", filename=name)
        else:
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        return part

    def generate(self, index: int) -> Item:
        rng = self.rng
        label, codec, language, _ = rng.choices(CHARSETS, self.weights)[0]
        roll = rng.random()
        reply_to: Thread | None = None
        if roll < 0.35 and self.pool:
            reply_to = rng.choice(self.pool)
            kind = "reply:in-reply-to"
            who = rng.random()
            if who < 0.8:
                name, address = reply_to.name, reply_to.email
            elif who < 0.95:  # a colleague of the requester writes on the same ticket
                name, address = self._colleague(reply_to.email.rsplit("@", 1)[1])
            else:
                kind = "reply:stranger"  # cites the ticket, may not write on it: a ticket of their own
                name, address = self._stranger()
            if kind == "reply:in-reply-to" and reply_to.reference and rng.random() < 0.3:
                kind = "reply:token"  # the client dropped In-Reply-To; the subject token still threads it
            if rng.random() < 0.7:  # the same mail client answers in the same charset
                label, codec, language = reply_to.charset, reply_to.codec, reply_to.language
        elif roll < 0.70:
            kind, (name, address) = "new:known", self._known()
        elif roll < 0.88:
            kind, (name, address) = "new:colleague", self._colleague()
        else:
            kind, (name, address) = "new:unknown", self._stranger()
        subject, text, html = self._text(language, codec)
        domain = address.rsplit("@", 1)[1]
        message_id = f"bench-{self.seed}-{index:06d}.{rng.getrandbits(32):08x}@{domain}"
        if reply_to is not None:
            subject = f"Re: {reply_to.subject}"
            if kind == "reply:token":
                subject = f"Re: [{reply_to.reference}] {reply_to.subject}"

        shape_roll = rng.random()
        body: MIMEBase
        if shape_roll < 0.5:
            shape, body = "plain", self._text_part(text, "plain", label, codec)
        else:
            alternative = MIMEMultipart("alternative")
            alternative.attach(self._text_part(text, "plain", label, codec))
            alternative.attach(self._text_part(html, "html", label, codec))
            shape, body = "html", alternative
        if shape_roll >= 0.8:
            mixed = MIMEMultipart("mixed")
            mixed.attach(body)
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                mixed.attach(self._attachment(language))
            shape, body = "attachments", mixed

        header_cs = self._charset(codec)
        body["From"] = self._address(name, address, header_cs)
        body["To"] = MAILBOX
        if kind.startswith("new") and rng.random() < 0.12:  # colleagues copied: they follow the ticket
            body["Cc"] = ", ".join(self._colleague(domain)[1] for _ in range(rng.randint(1, 2)))
        try:
            body["Subject"] = Header(subject, header_cs)
        except UnicodeEncodeError:  # an earlier subject this charset cannot carry: the client switches to UTF-8
            body["Subject"] = Header(subject, "utf-8")
        body["Date"] = format_datetime(self.start + timedelta(seconds=30 * index))
        body["Message-ID"] = f"<{message_id}>"
        if reply_to is not None and kind != "reply:token":
            body["In-Reply-To"] = f"<{reply_to.message_id}>"
            body["References"] = f"<{reply_to.message_id}>"
        out = io.BytesIO()
        BytesGenerator(out, mangle_from_=False).flatten(body)
        thread = None
        if kind.startswith("new"):
            thread = Thread(message_id, name, address, subject, label, codec, language)
            self.pool.append(thread)
        return Item(index, kind, charset=label, shape=shape, raw=out.getvalue(), thread=thread, message_id=message_id)

    @staticmethod
    def _address(name: str, address: str, cs: email_charset.Charset) -> str:
        try:
            return formataddr((name, address), charset=cs)
        except UnicodeEncodeError:
            return formataddr((name, address), charset="utf-8")


# ---------------------------------------------------------------- measuring


class Statements:
    """Counts the SQL statements this process sends (Django's execute wrapper; no query log kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """Current resident set size (/proc/self/statm)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 2**20


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the next peak is the measured work's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@dataclass
class Tally:
    count: int = 0
    seconds: float = 0.0
    statements: int = 0

    def add(self, seconds: float, statements: int) -> None:
        self.count += 1
        self.seconds += seconds
        self.statements += statements

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.count,
            "ms_mean": round(1000 * self.seconds / max(self.count, 1), 2),
            "sql_per_message": round(self.statements / max(self.count, 1), 1),
        }


@dataclass
class PathStats:
    """One way of committing messages: its messages, time, statements and outcomes."""

    messages: int = 0
    seconds: float = 0.0
    statements: int = 0
    outcomes: dict[str, Tally] = field(default_factory=dict)  # "status / how" -> tally
    cost_ms: list[float] = field(default_factory=list)  # per message: its share of its transaction's time
    commit_ms: list[float] = field(default_factory=list)  # per message: from the start of its batch to the commit
    fallbacks: int = 0  # batches that went one by one
    retries: int = 0  # batches tried again after a deadlock with a concurrent transaction

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "seconds": round(self.seconds, 2),
            "rate": round(self.messages / self.seconds, 1) if self.seconds else 0.0,
            "sql_per_message": round(self.statements / max(self.messages, 1), 1),
            "cost_ms": spread(self.cost_ms),
            "commit_ms": spread(self.commit_ms),
            "outcomes": {k: v.as_dict() for k, v in self.outcomes.items()},
            "fallbacks": self.fallbacks,
            "retries": self.retries,
        }


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "p50": round(ordered[len(ordered) // 2], 2),
        "p95": round(ordered[int(0.95 * len(ordered))], 2),
        "max": round(ordered[-1], 2),
    }


@dataclass
class InProcess:
    messages: int = 0
    batched: PathStats = field(default_factory=PathStats)  # the fetch path: batch.ingest_many
    single: PathStats = field(default_factory=PathStats)  # the baseline: ingest() per message
    parse_seconds: float = 0.0
    generate_seconds: float = 0.0
    wall_seconds: float = 0.0
    duplicates: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_charset: Counter[str] = field(default_factory=Counter)
    by_shape: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)  # RSS every SAMPLE_EVERY messages
    parse_latency_ms: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0


class FallbackCounter(logging.Handler):
    """Counts the batches `batch.ingest_many` sent one by one, and those it tried again after losing a lock
    conflict to a concurrent transaction (it logs each)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0
        self.retries = 0
        self.reasons: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "goes one by one" in message:
            self.count += 1
            self.reasons[message.split(": ", 1)[-1][:120]] += 1
        elif "trying again" in message:
            self.retries += 1

    @contextmanager
    def attached(self) -> Iterator[FallbackCounter]:
        logger = logging.getLogger("upstream.channels.email.batch")
        level = logger.level
        logger.addHandler(self)
        logger.setLevel(logging.INFO)
        try:
            yield self
        finally:
            logger.removeHandler(self)
            logger.setLevel(level)


def outcome_key(result: Any, before: datetime) -> str:
    inbound = result.inbound
    key = str(inbound.status)
    if result.duplicate:
        key += " / duplicate"
    elif inbound.status == "ticket" and inbound.ticket is not None:
        key += " / new ticket" if inbound.ticket.created_at >= before else " / added to a ticket"
    return key


def run_in_process(corpus: Corpus, world: World, count: int, *, profile: str | None) -> InProcess:
    """Fetch-sized windows of messages (fetching.BATCH), alternately through the fetch path (`ingest_many` on
    batches of batch.BATCH_MESSAGES, one transaction each) and through the baseline, one `ingest()` and one
    transaction per message (the fetch path before batching; still the pipe's and the SMTP receiver's), all inside
    events.batch() per window as a fetch runs. Same stream, same database, same load: the two are comparable."""
    from django.db import connection

    from upstream import events
    from upstream.channels.email import batch as batching
    from upstream.channels.email import fetching
    from upstream.channels.email.ingest import ingest
    from upstream.channels.email.models import Via
    from upstream.channels.email.parsing import parse_file
    from upstream.core import clock

    result = InProcess()
    statements = Statements()
    fallbacks = FallbackCounter()
    parse_ms = array("d", bytes(8 * count))
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    started = time.perf_counter()
    window_seconds, window_messages, window_sql = 0.0, 0, 0
    items = corpus.items(0, count, total=count)
    done = 0

    def learn(item: Item, outcome: Any, path: PathStats, seconds: float, sql: int) -> None:
        key = outcome_key(outcome, before_now)
        if outcome.duplicate:
            result.duplicates += 1
        inbound = outcome.inbound
        if inbound.status == "ticket" and inbound.ticket is not None and item.thread and not item.thread.reference:
            item.thread.reference = inbound.ticket.reference
        path.outcomes.setdefault(key, Tally()).add(seconds, sql)
        result.by_kind[item.kind] += 1
        if item.charset:
            result.by_charset[item.charset] += 1
            result.by_shape[item.shape] += 1

    with connection.execute_wrapper(statements), fallbacks.attached():
        window = 0
        while done < count:
            batched = window % 2 == 0
            path = result.batched if batched else result.single
            size = batching.BATCH_MESSAGES if batched else 1
            in_window = min(fetching.BATCH, count - done)
            fetch = ExitStack()
            fetch.enter_context(events.batch())
            position = 0
            while position < in_window:
                t0 = time.perf_counter()
                group = [next(items) for _ in range(min(size, in_window - position))]
                raws = [item.raw if item.raw is not None else item.path.read_bytes() for item in group]  # type: ignore[union-attr]
                t1 = time.perf_counter()
                for n, raw in enumerate(raws):  # the baseline: the parser alone, same bytes, no database, no storage
                    p0 = time.perf_counter()
                    parse_file(io.BytesIO(raw))
                    parse_ms[done + position + n] = 1000 * (time.perf_counter() - p0)
                t2 = time.perf_counter()
                before_sql, before_now = statements.count, clock.now()
                call: Callable[[], Any]
                if batched:
                    call = partial(batching.ingest_many, raws, via=Via.IMAP, mailbox=world.mailbox)
                else:
                    call = partial(ingest, raws[0], via=Via.IMAP, mailbox=world.mailbox)
                outcome: Any = profiler.runcall(call) if profiler is not None else call()
                outcomes: list[Any] = outcome if batched else [outcome]
                t3 = time.perf_counter()
                position += len(group)
                if position == in_window:
                    t_flush = time.perf_counter()
                    fetch.close()  # the fetch's deferred SLA recompute and tasks, counted against this transaction
                    t3 += time.perf_counter() - t_flush
                seconds, sql = t3 - t2, statements.count - before_sql
                for item, one in zip(group, outcomes, strict=True):
                    if isinstance(one, Exception):
                        raise RuntimeError(f"message {item.index} could not be stored: {one}")
                    learn(item, one, path, seconds / len(group), sql // len(group))
                    path.cost_ms.append(1000 * seconds / len(group))
                    path.commit_ms.append(1000 * seconds)
                path.messages += len(group)
                path.seconds += seconds
                path.statements += sql
                result.generate_seconds += t1 - t0
                result.parse_seconds += t2 - t1
                window_seconds += seconds
                window_messages += len(group)
                del group, raws, outcome, outcomes
            done += in_window
            window += 1
            if done % SAMPLE_EVERY == 0 or done == count:
                sample = {
                    "messages": done,
                    "rss_mb": round(rss_mb(), 1),
                    "python_blocks": sys.getallocatedblocks(),
                    "window_rate": round(window_messages / window_seconds, 1),
                    "window_sql_per_message": round((statements.count - window_sql) / window_messages, 1),
                    "load_average_1": round(os.getloadavg()[0], 2),
                }
                result.samples.append(sample)
                window_seconds, window_messages, window_sql = 0.0, 0, statements.count
                print(f"  {done:>6,}/{count:,}: {sample['window_rate']:.1f} msg/s ingest (both paths) in the last "
                      f"{SAMPLE_EVERY:,}, {sample['window_sql_per_message']} SQL/msg, RSS {sample['rss_mb']} MB, "
                      f"load {sample['load_average_1']}, {time.perf_counter() - started:.0f} s",
                      flush=True)  # fmt: skip
    result.batched.fallbacks = fallbacks.count
    result.batched.retries = fallbacks.retries
    result.wall_seconds = time.perf_counter() - started
    result.messages = count
    result.peak_rss_mb = round(peak_rss_mb(), 1)
    ordered = sorted(parse_ms)
    result.parse_latency_ms.update(
        p50=round(ordered[len(ordered) // 2], 2),
        p95=round(ordered[int(0.95 * len(ordered))], 2),
        max=round(ordered[-1], 2),
    )
    if profiler is not None and profile:
        profiler.dump_stats(profile)
        print(f"profile of the in-process ingest written to {profile}", flush=True)
    return result


def pipe_command() -> list[str]:
    script = Path(sys.executable).parent / "upstream"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "upstream"]
    return [*base, "mail", "ingest", "--mailbox", MAILBOX]


def run_pipe(files: list[Path], concurrency: int, env: dict[str, str]) -> dict[str, Any]:
    """Deliver each file through `upstream mail ingest`, at most `concurrency` processes at once."""
    command = pipe_command()
    pending = list(files)
    running: list[tuple[subprocess.Popen[bytes], Any, float]] = []
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    started = time.perf_counter()
    while pending or running:
        while pending and len(running) < concurrency:
            handle = pending.pop(0).open("rb")
            process = subprocess.Popen(
                command, stdin=handle, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
            )
            running.append((process, handle, time.perf_counter()))
        time.sleep(0.005)
        still = []
        for process, handle, begun in running:
            if process.poll() is None:
                still.append((process, handle, begun))
                continue
            latencies.append(time.perf_counter() - begun)
            stderr = process.stderr.read() if process.stderr else b""
            if process.returncode != 0:
                print(f"  pipe exited {process.returncode}: {stderr.decode(errors='replace')[-300:]}", flush=True)
            codes[process.returncode] += 1
            handle.close()
        running = still
    seconds = time.perf_counter() - started
    return {
        "messages": len(files),
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "rate": round(len(files) / seconds, 2),
        "process_ms_p50": round(1000 * statistics.median(latencies), 1),
        "process_ms_p95": round(1000 * percentile(latencies, 0.95), 1),
        "exit_codes": {str(k): v for k, v in sorted(codes.items())},
    }


def write_large_message(path: Path, size: int, *, seed: int, tag: str) -> int:
    """A customer's email with one attachment of `size` random (incompressible) bytes, written to `path`."""
    message = MIMEMultipart("mixed")
    message["From"] = "Zhang Min <zhang.min@yunqi-tech.cn>"
    message["To"] = MAILBOX
    message["Subject"] = Header("数据库完整转储（约 25 MB）", "utf-8")
    message["Date"] = format_datetime(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    message["Message-ID"] = f"<bench-large-{tag}-{seed}@yunqi-tech.cn>"
    message.attach(MIMEText("您好，附件是完整的数据库转储，请查收。\n张敏\n", "plain", "utf-8"))
    attachment = MIMEApplication(random.Random(seed).randbytes(size), "gzip")
    attachment.add_header("Content-Disposition", "attachment", filename="dump-2026-11-23.sql.gz")
    message.attach(attachment)
    with path.open("wb") as handle:
        BytesGenerator(handle, mangle_from_=False).flatten(message)
    return path.stat().st_size


def ingest_child(directory: Path, mode: str) -> int:
    """One fetch worker of the parallel phase: ingest the files in `directory` as the IMAP fetch task does (windows
    of fetching.BATCH inside events.batch(); mode "batched": `fetching.store` on batches of batch.BATCH_MESSAGES,
    the fetch's own callback; mode "single": one `ingest()` per message, the baseline), then print one JSON line."""
    setup_django(migrate=False)
    from django.db import connection

    from upstream import events
    from upstream.channels.email import batch as batching
    from upstream.channels.email import fetching
    from upstream.channels.email.ingest import ingest
    from upstream.channels.email.models import Mailbox, Via

    mailbox = Mailbox.objects.get(address=MAILBOX)
    files = sorted(directory.glob("*.eml"))
    statements = Statements()
    size = batching.BATCH_MESSAGES if mode == "batched" else 1
    fallbacks = FallbackCounter()
    kept = 0
    started = time.perf_counter()
    with connection.execute_wrapper(statements), fallbacks.attached():
        for first in range(0, len(files), fetching.BATCH):
            with events.batch():
                window = files[first : first + fetching.BATCH]
                for start in range(0, len(window), size):
                    raws = [path.read_bytes() for path in window[start : start + size]]
                    if mode == "batched":
                        outcomes = fetching.store(raws, mailbox)
                        if any(outcome.value != "processed" for outcome in outcomes):  # left for the next fetch
                            kept += sum(outcome.value != "processed" for outcome in outcomes)
                    else:
                        ingest(raws[0], via=Via.IMAP, mailbox=mailbox)
    seconds = time.perf_counter() - started
    report = {"messages": len(files), "seconds": seconds, "statements": statements.count, "fallbacks": fallbacks.count,
              "retries": fallbacks.retries, "fallback_reasons": dict(fallbacks.reasons), "kept": kept}  # fmt: skip
    print(json.dumps(report), flush=True)
    return 0


def run_parallel(
    corpus: Corpus, first: int, count: int, workers: int, workdir: Path, env: dict[str, str], mode: str
) -> dict[str, Any]:
    """`workers` fetch workers at once (as the clock enqueues one fetch task per mailbox and several workers run
    them), each with its own share of the messages, written to files first (untimed)."""
    shares = [workdir / f"{mode}-worker-{n}" for n in range(workers)]
    for share in shares:
        share.mkdir()
    for item in corpus.items(first, count, total=first + count, with_bounces=False):
        (shares[item.index % workers] / f"{item.index:06d}.eml").write_bytes(item.raw or b"")
    command = [sys.executable, str(Path(__file__).resolve())]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [*command, "--ingest-child", str(share), "--child-mode", mode], stdout=subprocess.PIPE, env=env
        )
        for share in shares
    ]
    reports = [json.loads((child.communicate()[0] or b"{}").decode().strip().splitlines()[-1]) for child in children]
    seconds = time.perf_counter() - started
    messages = sum(report.get("messages", 0) for report in reports)
    return {
        "mode": mode,
        "workers": workers,
        "messages": messages,
        "seconds": round(seconds, 2),
        "rate": round(messages / seconds, 1) if seconds else 0.0,
        "per_worker": [round(r["messages"] / r["seconds"], 1) for r in reports if r.get("seconds")],
        "sql_per_message": round(sum(r.get("statements", 0) for r in reports) / max(messages, 1), 1),
        "exit_codes": [child.returncode for child in children],
        "fallbacks": sum(r.get("fallbacks", 0) for r in reports),
        "retries": sum(r.get("retries", 0) for r in reports),
        "kept": sum(r.get("kept", 0) for r in reports),
        "fallback_reasons": [r.get("fallback_reasons", {}) for r in reports],
        "load_average_1": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def large_child(first: Path, second: Path) -> int:
    """In a fresh process: one warm-up ingest, then the large message (RSS peak), the same kind of message again
    under tracemalloc (peak of traced allocations), and the parser alone on it (the baseline's peak)."""
    setup_django(migrate=False)
    from upstream.channels.email.ingest import ingest
    from upstream.channels.email.models import InboundEmail, Mailbox, Via
    from upstream.channels.email.parsing import parse_file

    mailbox = Mailbox.objects.get(address=MAILBOX)
    warm = b"From: Tom Baker <tom@brightlinehealth.com>\r\nTo: support@vendor.test\r\nSubject: warm-up\r\n"
    warm += b"Message-ID: <bench-large-warmup@brightlinehealth.com>\r\n\r\nwarm-up\r\n"
    ingest(io.BytesIO(warm), via=Via.PIPE, mailbox=mailbox)
    gc.collect()
    out: dict[str, Any] = {}
    before = rss_mb()
    own = reset_peak_rss()
    started = time.perf_counter()
    with first.open("rb") as source:
        result = ingest(source, via=Via.PIPE, mailbox=mailbox)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    inbound = InboundEmail.objects.get(id=result.inbound.id)
    message = inbound.ticket_message
    out["rss"] = {
        "before_mb": round(before, 1),
        "peak_mb": round(peak, 1),
        "delta_mb": round(peak - before, 1),
        "peak_is_own": own,
        "seconds": round(seconds, 2),
        "status": inbound.status,
        "attachments_on_ticket": [(a.filename, a.size) for a in message.attachments.all()] if message else [],
        "error": inbound.error,
    }
    del result, inbound, message
    gc.collect()
    tracemalloc.start()
    with second.open("rb") as source:
        result = ingest(source, via=Via.PIPE, mailbox=mailbox)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["traced_peak_mb"] = round(traced_peak / 2**20, 1)
    out["traced_status"] = result.inbound.status
    del result
    gc.collect()
    tracemalloc.start()
    with first.open("rb") as source:
        parsed = parse_file(source)
    _, parse_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["parse_only_traced_peak_mb"] = round(parse_peak / 2**20, 1)
    out["parse_only_attachment_bytes"] = sum(a.size for a in parsed.attachments)
    print("LARGE_JSON " + json.dumps(out, default=str))
    return 0


def run_large(size: int, media: Path, env: dict[str, str], seed: int) -> dict[str, Any]:
    first, second = media.parent / "large-1.eml", media.parent / "large-2.eml"
    raw = write_large_message(first, size, seed=seed, tag="rss")
    write_large_message(second, size, seed=seed + 1, tag="traced")
    command = [sys.executable, str(Path(__file__).resolve()), "--large-child", str(first), str(second)]
    done = subprocess.run(command, env=env, capture_output=True, check=False, timeout=600)
    lines = [line for line in done.stdout.decode().splitlines() if line.startswith("LARGE_JSON ")]
    if done.returncode != 0 or not lines:
        print(done.stdout.decode()[-2000:], done.stderr.decode()[-4000:], sep="\n")
        return {"raw_bytes": raw, "attachment_bytes": size, "error": f"child exited {done.returncode}"}
    out: dict[str, Any] = json.loads(lines[-1].removeprefix("LARGE_JSON "))
    out.update(raw_bytes=raw, raw_mb=round(raw / 2**20, 1), attachment_bytes=size)
    worst = max(out["rss"]["delta_mb"], out["traced_peak_mb"])
    out["worst_peak_mb"] = worst
    out["ratio"] = round(worst / (raw / 2**20), 2)
    first.unlink()
    second.unlink()
    return out


# ---------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    if args.large_child:
        return large_child(Path(args.large_child[0]), Path(args.large_child[1]))
    if args.ingest_child:
        return ingest_child(Path(args.ingest_child), args.child_mode)
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    database = ensure_fresh_database(url)
    workdir = Path(tempfile.mkdtemp(prefix="upstream-emailbench-"))
    media = workdir / "media"
    media.mkdir()
    env = bench_environment(url, media)
    os.environ.update(env)
    started = time.perf_counter()
    setup_django(migrate=True)
    world = build_world()
    setup_seconds = time.perf_counter() - started
    bounces = bounce_files(args.bounces)
    print(f"migrated and loaded the reference data in {setup_seconds:.1f} s; bounce set: {len(bounces)} messages "
          f"from {args.bounces}; MEDIA_ROOT {media}", flush=True)  # fmt: skip

    from upstream.channels.email.models import InboundEmail
    from upstream.core import clock

    corpus = Corpus(world, bounces, seed=args.seed, start=clock.now() - timedelta(days=7))
    print(f"in-process: {args.messages:,} messages (with the parse-only baseline interleaved) …", flush=True)
    inproc = run_in_process(corpus, world, args.messages, profile=args.profile)
    data = data_profile()

    # The pipe: generated messages that follow the in-process corpus (same stream, no bounces), written to files
    # first, untimed, then delivered one process per message.
    pipe_total = args.pipe_serial + args.pipe_sample
    pipe_dir = workdir / "pipe"
    pipe_dir.mkdir()
    files, message_ids = [], []
    for item in corpus.items(args.messages, pipe_total, total=args.messages, with_bounces=False):
        path = pipe_dir / f"{item.index:06d}.eml"
        path.write_bytes(item.raw or b"")
        files.append(path)
        message_ids.append(item.message_id)
    pipe_env = {**os.environ, **env}
    pipes: list[dict[str, Any]] = []
    if files:
        print(f"pipe: warm-up, then {args.pipe_serial} one at a time and {args.pipe_sample} at concurrency "
              f"{args.pipe_concurrency} …", flush=True)  # fmt: skip
        warm = corpus.generate(args.messages + pipe_total)
        (pipe_dir / "warm.eml").write_bytes(warm.raw or b"")
        run_pipe([pipe_dir / "warm.eml"], 1, pipe_env)  # compiles nothing new, warms the page cache
        if args.pipe_serial:
            pipes.append(run_pipe(files[: args.pipe_serial], 1, pipe_env))
        if args.pipe_sample:
            pipes.append(run_pipe(files[args.pipe_serial :], args.pipe_concurrency, pipe_env))
    piped = InboundEmail.objects.filter(via="pipe", message_id__in=message_ids)
    pipe_statuses = dict(Counter(piped.values_list("status", flat=True)))

    parallel: list[dict[str, Any]] = []
    if args.workers > 1 and args.parallel_messages:
        first = args.messages + pipe_total + 1
        for mode in ("batched", "single"):  # the fetch path, then the baseline on the next messages of the stream
            print(f"parallel ({mode}): {args.parallel_messages:,} messages by {args.workers} fetch workers at once …",
                  flush=True)  # fmt: skip
            parallel.append(run_parallel(corpus, first, args.parallel_messages, args.workers, workdir, pipe_env, mode))
            first += args.parallel_messages

    from django.conf import settings

    size = args.large_bytes or settings.ATTACHMENT_MAX_BYTES - 64 * 1024
    print(f"large message: an attachment of {size:,} bytes, in a fresh process …", flush=True)
    large = run_large(size, media, pipe_env, args.seed)

    discard_enqueued()
    failed = quarantined()
    code = report(
        args, database, setup_seconds, len(bounces), inproc, data, pipes, pipe_statuses, large, failed, parallel
    )
    if args.keep_media:
        print(f"MEDIA_ROOT kept: {media}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return code


def data_profile() -> dict[str, Any]:
    from django.db.models import Count

    from upstream.channels.email.models import Follower, InboundEmail, ThreadId
    from upstream.customers.models import Contact
    from upstream.notifications.models import OutboundEmail
    from upstream.tickets.models import Attachment, Message, Ticket

    return {
        "inbound": InboundEmail.objects.count(),
        "inbound_by_status": dict(InboundEmail.objects.values_list("status").annotate(n=Count("id")).order_by()),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "contacts": Contact.objects.count(),
        "followers": Follower.objects.count(),
        "thread_ids": ThreadId.objects.count(),
        "outbound_queued": dict(OutboundEmail.objects.values_list("kind").annotate(n=Count("id")).order_by()),
    }


def quarantined() -> list[tuple[str, str, str]]:
    """(via, Message-ID, error) of every quarantined message: the corpus is meant to be stored and routed in full."""
    from upstream.channels.email.models import InboundEmail, InboundStatus

    rows = InboundEmail.objects.filter(status=InboundStatus.QUARANTINED).order_by("id")
    return [(via, mid, error[:300]) for via, mid, error in rows.values_list("via", "message_id", "error")]


def discard_enqueued() -> None:
    """The acknowledgements' delivery tasks: nobody should ever send them."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()


def machine() -> dict[str, Any]:
    import django
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server,
    }


def report(
    args: argparse.Namespace,
    database: str,
    setup_seconds: float,
    bounce_count: int,
    inproc: InProcess,
    data: dict[str, Any],
    pipes: list[dict[str, Any]],
    pipe_statuses: dict[str, int],
    large: dict[str, Any],
    failed: list[tuple[str, str, str]],
    parallel: list[dict[str, Any]],
) -> int:
    info = machine()
    n = inproc.messages
    fast, slow = inproc.batched, inproc.single
    rate = fast.messages / fast.seconds
    single_rate = slow.messages / slow.seconds if slow.seconds else 0.0
    parse_rate = n / inproc.parse_seconds
    loads = [s["load_average_1"] for s in inproc.samples]
    print()
    print(f"machine: {info['cpu']}, {info['cores']} cores, load average "
          f"{'/'.join(map(str, info['load_average_1_5_15']))} at the end; PostgreSQL {info['postgresql']}; "
          f"Python {info['python']}, Django {info['django']}")  # fmt: skip
    print(f"corpus: {n:,} messages in-process ({inproc.by_kind['bounce']:,} from the bounce set of {bounce_count}), "
          f"seed {args.seed}; generating them took {inproc.generate_seconds:.1f} s (not in any figure)")  # fmt: skip
    print("  kinds: " + ", ".join(f"{k} {v:,}" for k, v in sorted(inproc.by_kind.items())))
    print("  charsets: " + ", ".join(f"{k} {v:,}" for k, v in inproc.by_charset.most_common()))
    print("  shapes: " + ", ".join(f"{k} {v:,}" for k, v in inproc.by_shape.most_common()))
    print()
    header = f"{'path':<58} {'messages':>8} {'seconds':>8} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'SQL/msg':>7}"
    print(header)
    for name, path in (
        ("fetch path: ingest_many, batches of 20, one process", fast),
        ("baseline: ingest() per message, one process", slow),
    ):
        d = path.as_dict()
        print(f"{name:<58} {d['messages']:>8,} {d['seconds']:>8.1f} {d['rate']:>7.1f} {d['cost_ms']['p50']:>7.1f} "
              f"{d['cost_ms']['p95']:>7.1f} {d['sql_per_message']:>7.1f}")  # fmt: skip
    print(f"{'baseline, parse only: parse_file(), no database/storage':<58} {n:>8,} {inproc.parse_seconds:>8.1f} "
          f"{parse_rate:>7.1f} {inproc.parse_latency_ms['p50']:>7.1f} {inproc.parse_latency_ms['p95']:>7.1f} "
          f"{0:>7}")  # fmt: skip
    for run in parallel:
        name = f"{run['mode']}: {run['workers']} fetch workers at once (each {run['per_worker']})"
        print(f"{name:<58} {run['messages']:>8,} {run['seconds']:>8.1f} {run['rate']:>7.1f} "
              f"{'–':>7} {'–':>7} {run['sql_per_message']:>7.1f}")  # fmt: skip
        if run["mode"] == "batched":
            print(f"  (load average {run['load_average_1'][0]} → {run['load_average_1'][1]}; batches tried again after "
                  f"a deadlock {run['retries']}, gone one by one {run['fallbacks']} {run['fallback_reasons']}, "
                  f"messages left for the next fetch {run['kept']})")  # fmt: skip
    for pipe in pipes:
        name = f"pipe: `upstream mail ingest`, {pipe['concurrency']} at a time"
        print(f"{name:<58} {pipe['messages']:>8,} {pipe['seconds']:>8.1f} {pipe['rate']:>7.1f} "
              f"{pipe['process_ms_p50']:>7.0f} {pipe['process_ms_p95']:>7.0f} {'–':>7}")  # fmt: skip
    print(f"p50/p95 above: milliseconds per message (a batch's time over its messages); a message of the fetch path "
          f"is committed {fast.as_dict()['commit_ms'].get('p50', 0):.0f} ms (p50) after its batch began. Batches that "
          f"went one by one: {fast.fallbacks}. Load average (1 min) at each sample: {loads}")  # fmt: skip
    print(f"the fetch path is {rate / single_rate:.2f}× the baseline in the same run; wall clock of the in-process "
          f"loop, generation and the parse-only baseline included: {inproc.wall_seconds:.1f} s")  # fmt: skip
    if pipes:
        best = max(p["rate"] for p in pipes)
        print(f"in-process is {rate / best:.0f}× the best pipe rate ({best:.2f} msg/s); pipe outcomes: {pipe_statuses}")
    print()
    print(f"{'outcome (status / how), path':<50} {'messages':>8} {'ms mean':>8} {'SQL/msg':>8}")
    for label, path in (("fetch path", fast), ("baseline", slow)):
        for key, tally in sorted(path.outcomes.items(), key=lambda kv: -kv[1].count):
            d = tally.as_dict()
            print(f"{key + ', ' + label:<50} {d['messages']:>8,} {d['ms_mean']:>8.1f} {d['sql_per_message']:>8.1f}")
    print("(fetch path: a batch's time and statements spread evenly over its messages)")
    print(f"database after the run: {data}")
    print()
    first, last = inproc.samples[0], inproc.samples[-1]
    growth = (last["rss_mb"] - first["rss_mb"]) / first["rss_mb"]
    print("RSS by messages ingested: " + ", ".join(f"{s['messages']:,}: {s['rss_mb']} MB" for s in inproc.samples))
    print(f"Python heap blocks: {first['python_blocks']:,} after {first['messages']:,}, {last['python_blocks']:,} "
          f"after {last['messages']:,}; peak RSS (VmHWM) {inproc.peak_rss_mb} MB")  # fmt: skip
    print()
    if "error" in large:
        print(f"large message: FAILED ({large['error']})")
        large_ok = False
    else:
        rss = large["rss"]
        print(f"large message: {large['raw_bytes']:,} bytes raw ({large['raw_mb']} MB), attachment "
              f"{large['attachment_bytes']:,} bytes; {rss['status']} in {rss['seconds']} s, on the ticket: "
              f"{rss['attachments_on_ticket']}")  # fmt: skip
        print(f"  RSS {rss['before_mb']} MB before, peak {rss['peak_mb']} MB (+{rss['delta_mb']} MB); traced Python "
              f"allocations peak {large['traced_peak_mb']} MB; parse only: "
              f"{large['parse_only_traced_peak_mb']} MB")  # fmt: skip
        stored = rss["status"] == "ticket" and [a[1] for a in rss["attachments_on_ticket"]] == [
            large["attachment_bytes"]
        ]
        large_ok = large["ratio"] < LARGE_FACTOR and stored
        if not stored:
            print(f"  NOT stored on the ticket as expected: {rss['status']} {rss['error'][:300]}")
    print()
    for via, mid, error in failed[:5]:
        print(f"QUARANTINED ({via}) <{mid}>: {error}")
    batched_parallel = next((run for run in parallel if run["mode"] == "batched"), {})
    machine_rate = max(rate, batched_parallel.get("rate", 0.0))
    rate_ok = machine_rate >= TARGET_RATE
    flat_ok = growth <= FLAT_TOLERANCE
    verdict = {True: "met", False: "MISSED"}
    print(f"target: ≥ {TARGET_RATE:.0f} messages/s on this machine (the fetch path): one process {rate:.1f}, "
          f"{batched_parallel.get('workers', 1)} workers {batched_parallel.get('rate', rate):.1f}, "
          f"{verdict[rate_ok]}")  # fmt: skip
    print(f"target: memory flat in the number of messages (RSS at {last['messages']:,} within "
          f"{FLAT_TOLERANCE:.0%} of RSS at {first['messages']:,}): {first['rss_mb']} → {last['rss_mb']} MB "
          f"({growth:+.1%}), {verdict[flat_ok]}")  # fmt: skip
    print(f"check: no message quarantined (in-process and pipe): {len(failed)}, {verdict[not failed]}")
    if "ratio" in large:
        print(f"target: large message peak < {LARGE_FACTOR:.0f}× raw: {large['worst_peak_mb']} MB for "
              f"{large['raw_mb']} MB = {large['ratio']}×, {verdict[large_ok]}")  # fmt: skip
    command = f"DATABASE_URL={os.environ['DATABASE_URL']} .venv/bin/python bench/email.py"
    extra = shlex.join(sys.argv[1:])
    payload = {
        "bench": "email",
        "command": command + (" " + extra if extra else ""),
        "database": database,
        "machine": info,
        "setup_seconds": round(setup_seconds, 1),
        "targets": {"rate": TARGET_RATE, "flat_tolerance": FLAT_TOLERANCE, "large_factor": LARGE_FACTOR},
        "in_process": {
            "messages": n,
            "rate": round(rate, 1),
            "fetch_path": fast.as_dict(),
            "baseline_one_per_transaction": slow.as_dict(),
            "duplicates": inproc.duplicates,
            "kinds": dict(inproc.by_kind),
            "charsets": dict(inproc.by_charset),
            "shapes": dict(inproc.by_shape),
            "rss_samples": inproc.samples,
            "rss_growth": round(growth, 4),
            "peak_rss_mb": inproc.peak_rss_mb,
            "generate_seconds": round(inproc.generate_seconds, 2),
            "wall_seconds": round(inproc.wall_seconds, 2),
        },
        "parallel": parallel,
        "baseline_parse_only": {
            "messages": n,
            "seconds": round(inproc.parse_seconds, 2),
            "rate": round(parse_rate, 1),
            "latency_ms": inproc.parse_latency_ms,
        },
        "pipe": pipes,
        "pipe_statuses": pipe_statuses,
        "large": large,
        "data": data,
        "quarantined": failed,
        "met": {"rate": rate_ok, "flat": flat_ok, "large": large_ok, "none_quarantined": not failed},
    }
    print()
    print("BENCH_JSON " + json.dumps(payload, ensure_ascii=False, default=str))
    return 0 if rate_ok and flat_ok and large_ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
