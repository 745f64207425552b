"""The bytes of an outgoing e-mail, written directly (RFC 5322, MIME: RFC 2045-2047).

Django builds an e-mail with Python's ``email`` package, whose header registry parses and folds
every header it is given: about 1.5 ms of CPU an e-mail, most of what a worker spends sending one
(a campaign of 200,000 e-mails is five minutes of it). The messages the outbox sends are all of
one simple shape, and this module writes them in a few tens of microseconds:

- headers: Date, From, To, Reply-To, Subject, Message-ID, Content-Language, MIME-Version and the
  message's own extra headers (``List-Unsubscribe`` and the like), non-ASCII text as RFC 2047
  encoded words, every line folded under 78 characters;
- a text part, or a text part and an HTML one as ``multipart/alternative``: UTF-8, 7-bit when
  the text is plain ASCII in short lines, quoted-printable otherwise.

What it does not write it refuses (``Unsupported``), and the caller builds that message with
Django instead: attachments, addresses with non-ASCII characters (an internationalised domain or
mailbox) and any header value that holds a line break (which Django refuses as an injection).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping, Sequence
from email.utils import formataddr, formatdate, parseaddr

# RFC 2047: an encoded word is at most 75 characters; "=?utf-8?b?" and "?=" take 12 of them. Words
# of 42 bytes (68 characters) fit beside "Subject: " on a header's first line.
_WORD_BYTES = 42
_LINE = 78


class Unsupported(Exception):
    """A message this writer does not write; Django's own build handles it."""


def _ascii(text: str) -> bool:
    return text.isascii()


def _checked(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise Unsupported("a header value holds a line break")
    return value


def _encoded_words(text: str) -> list[str]:
    """``text`` as UTF-8 base64 encoded words, each cut at a character boundary."""
    words: list[str] = []
    chunk = bytearray()
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append("=?utf-8?b?" + base64.b64encode(bytes(chunk)).decode("ascii") + "?=")
            chunk = bytearray()
        chunk += encoded
    if chunk or not words:
        words.append("=?utf-8?b?" + base64.b64encode(bytes(chunk)).decode("ascii") + "?=")
    return words


def _fold(name: str, tokens: Sequence[str]) -> str:
    """``name: token token ...`` with a line break (CRLF and a space) before any token that would
    carry the line past 78 characters. The first token stays beside the name (a reader keeps the
    space of a value that starts on the next line), so a long unbroken value makes a long line,
    which RFC 5322 allows up to 998 characters."""
    lines: list[str] = []
    line = name + ":"
    for token in tokens:
        if token and len(line) + 1 + len(token) > _LINE and line != name + ":":
            lines.append(line)
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return "\r\n".join(lines)


def _text_header(name: str, value: str) -> str:
    value = _checked(value)
    if _ascii(value) and "=?" not in value:
        # Split on spaces only to fold; an unbroken run longer than a line stays whole (RFC 5322
        # allows 998 characters).
        return _fold(name, value.split(" ")) if value else name + ":"
    return _fold(name, _encoded_words(value))


def _address_header(name: str, value: str) -> str:
    value = _checked(value)
    display, address = parseaddr(value)
    if not address or not _ascii(address) or "@" not in address:
        raise Unsupported(f"{name}: not a plain ASCII address")
    if not display:
        return f"{name}: {address}"
    if _ascii(display):
        return f"{name}: {formataddr((display, address))}"
    return _fold(name, [*_phrase(display), f"<{address}>"])


# The characters of an RFC 5322 atom besides letters and digits.
_ATEXT = frozenset("!#$%&'*+-/=?^_`{|}~")


def _phrase(display: str) -> list[str]:
    """A display name word by word: plain words as they are, the others as encoded words. Readers
    join a name's words with spaces, so a word is cut into several encoded words only when it is
    longer than one can hold (some readers then show a space inside it)."""
    tokens: list[str] = []
    for word in display.split():
        if word.isascii() and "=?" not in word and all(c.isalnum() or c in _ATEXT for c in word):
            tokens.append(word)
        else:
            tokens.extend(_encoded_words(word))
    return tokens


def address_only(value: str) -> str:
    """The bare address of ``Name <address>`` for the SMTP envelope."""
    _display, address = parseaddr(_checked(value))
    if not address or not _ascii(address):
        raise Unsupported("not a plain ASCII address")
    return address


def _body(text: str, subtype: str) -> bytes:
    """A text part's headers and body, UTF-8."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    if _ascii(text) and all(len(line) <= _LINE for line in text.split("\n")):
        encoding = "7bit"
        data = text.encode("ascii")
    else:
        encoding = "quoted-printable"
        data = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n'
    return head.encode("ascii") + data.replace(b"\n", b"\r\n")


def render(
    *,
    from_address: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    message_id: str = "",
    reply_to: str = "",
    language: str = "",
    headers: Mapping[str, str] | None = None,
    date: float | None = None,
    localtime: bool = False,
) -> bytes:
    """The whole e-mail, CRLF line ends, ready for SMTP's DATA (smtplib escapes leading dots)."""
    lines = [
        "Date: " + formatdate(date, localtime=localtime),
        _address_header("From", from_address),
        _address_header("To", to),
    ]
    if reply_to:
        lines.append(_address_header("Reply-To", reply_to))
    lines.append(_text_header("Subject", subject))
    if message_id:
        lines.append("Message-ID: " + _checked(message_id))
    if language:
        lines.append("Content-Language: " + _checked(language))
    for name, value in (headers or {}).items():
        if not name.isascii() or not name.replace("-", "").isalnum():
            raise Unsupported(f"header name {name!r}")
        lines.append(_text_header(name, value))
    lines.append("MIME-Version: 1.0")
    head = ("\r\n".join(lines) + "\r\n").encode("ascii")
    if not html:
        return head + _body(text, "plain")
    boundary = "=_accord_" + secrets.token_hex(12)
    delimiter = b"--" + boundary.encode("ascii")
    return b"".join(
        [
            head,
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'.encode("ascii"),
            delimiter,
            b"\r\n",
            _body(text, "plain"),
            b"\r\n",
            delimiter,
            b"\r\n",
            _body(html, "html"),
            b"\r\n",
            delimiter,
            b"--\r\n",
        ]
    )
