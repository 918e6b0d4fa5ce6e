"""A 25 MB attachment parses with bounded memory (tracemalloc peak, not timing)."""

import base64
import os
import tracemalloc

from upstream.channels.email.parsing import parse_file

SIZE = 25 * 1024 * 1024


def _write_message(path):
    head = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--XX\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    data = os.urandom(SIZE)
    with open(path, "wb") as out:
        out.write(head)
        for start in range(0, SIZE, 57 * 1000):  # 57 bytes -> one 76-character base64 line
            out.write(base64.encodebytes(data[start : start + 57 * 1000]).replace(b"\n", b"\r\n"))
        out.write(b"--XX--\r\n")
    return data


def test_25mb_attachment_peak_memory_below_three_and_a_half_times_the_message(tmp_path):
    path = tmp_path / "big.eml"
    data = _write_message(path)
    size = path.stat().st_size
    digest = __import__("hashlib").md5(data).hexdigest()
    del data
    tracemalloc.start()
    try:
        parsed = parse_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.text == "hello"
    (attachment,) = parsed.attachments
    assert attachment.size == SIZE
    assert attachment.md5 == digest
    assert peak < 3.5 * size, f"peak {peak / size:.2f}x the message size"
