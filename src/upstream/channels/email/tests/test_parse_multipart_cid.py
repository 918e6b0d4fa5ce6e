"""multipart/alternative + related + mixed with an inline cid: image."""

from pathlib import Path

from upstream.channels.email.parsing import parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_alternative_gives_both_text_and_sanitised_html():
    parsed = parse_file(FIXTURES / "multipart_cid.eml")
    assert parsed.text == "See the logo below."
    assert '<img src="cid:logo@upstream.test" alt="logo">' in parsed.html
    assert "script" not in parsed.html and "onclick" not in parsed.html and "color:red" not in parsed.html


def test_cid_image_is_an_inline_attachment_with_its_content_id():
    parsed = parse_file(FIXTURES / "multipart_cid.eml")
    image, pdf = parsed.attachments
    assert (image.content_type, image.content_id, image.inline) == ("image/png", "logo@upstream.test", True)
    assert image.filename == "attachment.png"
    assert image.data.startswith(b"\x89PNG")
    assert (pdf.filename, pdf.content_type, pdf.inline, pdf.content_id) == ("invoice.pdf", "application/pdf", False, "")
    assert pdf.size == len(pdf.data) == len(b"%PDF-1.4 invoice")
    assert parsed.errors == []


def test_attachment_disposition_wins_over_content_id():
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\n"
        b"Content-ID: <x@y>\r\nContent-Disposition: attachment; filename=a.png\r\n\r\nPNG\r\n--b--\r\n"
    )
    from upstream.channels.email.parsing import parse

    (attachment,) = parse(raw).attachments
    assert attachment.content_id == "x@y"
    assert attachment.inline is False
