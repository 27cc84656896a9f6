"""A crawler that follows everything a user can reach, and a detector of arm-revealing content.

Arm-revealing content: an arm name ("exercise", "rest") as a word or JSON value, the ARM column,
an arm label, an adherence item, or the name of an arm-revealing event type. The crawler
follows links, submits GET filter forms with each option, probes every form page of every
participant it saw, calls every GET route of the API for them, and opens downloads (zip files
are unpacked and every member is read).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from aiohttp.test_utils import TestClient
from pypdf import PdfReader

from domain import crf
from domain.blinding import CLASSIFICATION, Blinding
from domain.protocol import ARM_LABELS, ARMS, FORMS, STUDY_NAME

ARM_WORDS = re.compile(r"\b(" + "|".join(str(arm) for arm in ARMS) + r")\b", re.IGNORECASE)
ARM_COLUMN = re.compile(r"(^|[\s,;\"'>])ARM([\s,;\"'<]|$)", re.MULTILINE)
ADHERENCE_ITEMS = tuple(spec.name for spec in crf.ITEMS["adherence"])
# Bare names that blinded-safe event types carry too ("FormEntered" of the participant and of
# the arm-revealing record) say nothing by themselves: only their qualified names are looked for.
SHARED_BARE_NAMES = frozenset(
    cls.__name__ for cls, blinding in CLASSIFICATION.items() if blinding is Blinding.BLINDED_SAFE
)
ARM_EVENT_NAMES = tuple(
    name
    for cls, blinding in CLASSIFICATION.items()
    if blinding is Blinding.ARM_REVEALING
    for name in (cls.__qualname__, cls.__name__)
    # A bare one-word name ("Allocated", "Started") is ordinary English (CONSORT's "Allocated
    # (n=34)"); qualified names and compound ones ("ArmRevealed") are event types.
    if "." in name or (sum(c.isupper() for c in name) > 1 and name not in SHARED_BARE_NAMES)
)
UUID_IN_PATH = re.compile(r"/participants/([0-9a-f-]{36})")
# Pages that differ only by item (item histories) are sampled, not all read: a few per form
# show the template's behaviour, and every item's value is also on the form page itself.
SAMPLED = re.compile(r"/items/[^/?]+/history")
SAMPLE_SIZE = 4


def arm_leaks(text: str) -> list[str]:
    """Every arm-revealing fragment in a text (HTML, JSON, CSV, XML...).

    The trial's public title names both arms for everyone ("Rest versus exercise..."); it
    says nothing about any participant, so it is taken out before looking.
    """
    text = text.replace(STUDY_NAME, "")
    found = [
        f"arm word {m.group(0)!r}: …{text[max(0, m.start() - 60) : m.end() + 40]}…"
        for m in ARM_WORDS.finditer(text)
    ]
    if ARM_COLUMN.search(text):
        found.append("ARM column")
    found += [f"arm label {label!r}" for label in ARM_LABELS.values() if label in text]
    found += [f"adherence item {name}" for name in ADHERENCE_ITEMS if name in text]
    found += [
        f"arm-revealing event {name}"
        for name in ARM_EVENT_NAMES
        if re.search(rf"\b{re.escape(name)}\b", text)
    ]
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.get_forms: list[tuple[str, dict[str, list[str]]]] = []
        self._form: tuple[str, dict[str, list[str]]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.links.append(a["src"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (a.get("action", ""), {})
            self.get_forms.append(self._form)
        elif tag == "select" and self._form is not None:
            self._select = a.get("name")
            if self._select:
                self._form[1].setdefault(self._select, [])
        elif tag == "option" and self._form is not None and self._select:
            self._form[1][self._select].append(a.get("value", ""))
        elif tag == "input" and self._form is not None and a.get("name"):
            self._form[1].setdefault(a["name"], []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@dataclass
class CrawlResult:
    visited: dict[str, int] = field(default_factory=dict)
    leaks: dict[str, list[str]] = field(default_factory=dict)
    participants: set[str] = field(default_factory=set)


def _texts(body: bytes, content_type: str, prefix: str = "") -> list[tuple[str, str]]:
    """(part name, text) for a response body: zip members one by one (zips inside zips too),
    PDF pages by their extracted text."""
    if content_type == "application/zip" or body[:2] == b"PK":
        parts: list[tuple[str, str]] = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                parts += _texts(archive.read(name), "", f"{prefix}{name}/")
        return parts
    if content_type == "application/pdf" or body[:5] == b"%PDF-":
        reader = PdfReader(io.BytesIO(body))
        return [(prefix.rstrip("/"), "\n".join(page.extract_text() for page in reader.pages))]
    return [(prefix.rstrip("/"), body.decode("utf-8", "replace"))]


def _local(base: str, href: str) -> str | None:
    target = urljoin(base, href)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("/static/", "/logout")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def crawl(
    client: TestClient,
    *,
    headers: dict[str, str] | None = None,
    start: tuple[str, ...] = ("/",),
    api_paths: tuple[str, ...] = (),
    limit: int = 3000,
    pages: dict[str, str] | None = None,
) -> CrawlResult:
    """Visit everything reachable from `start`; `pages` (if given) receives each HTML page."""
    result = CrawlResult()
    queue: deque[str] = deque(start)
    probed: set[str] = set()
    sampled: dict[str, int] = {}
    while queue and len(result.visited) < limit:
        path = queue.popleft()
        if path in result.visited:
            continue
        pattern = SAMPLED.sub("/items/*/history", path)
        if pattern != path:
            sampled[pattern] = sampled.get(pattern, 0) + 1
            if sampled[pattern] > SAMPLE_SIZE:
                continue
        response = await client.get(path, headers=headers, allow_redirects=False)
        result.visited[path] = response.status
        result.participants.update(UUID_IN_PATH.findall(path))
        if response.status in (301, 302, 303, 307, 308):
            target = _local(path, response.headers.get("Location", ""))
            if target:
                queue.append(target)
            continue
        body = await response.read()
        for part, text in _texts(body, response.content_type):
            leaks = arm_leaks(text)
            if response.content_type == "application/json":
                leaks += json_leaks(json.loads(text))
            if leaks:
                result.leaks[path + (f"#{part}" if part else "")] = leaks
            result.participants.update(UUID_IN_PATH.findall(text))
            result.participants.update(m for m in re.findall(r'"id": ?"([0-9a-f-]{36})"', text))
            if response.content_type == "text/html":
                if pages is not None:
                    pages[path] = text
                parser = _Links()
                parser.feed(text)
                for href in parser.links:
                    target = _local(path, href)
                    if target and target not in result.visited:
                        queue.append(target)
                for action, fields in parser.get_forms:
                    for name, values in fields.items():
                        for value in values[:40]:
                            target = _local(path, action or path)
                            if target and value:
                                queue.append(f"{target.split('?')[0]}?{urlencode({name: value})}")
        # Probe what a curious user could type in: every form of every participant seen,
        # and every API read route for them.
        for pid in sorted(result.participants - probed):
            probed.add(pid)
            queue.extend(f"/participants/{pid}/forms/{form}" for form in FORMS)
            queue.extend(p.replace("{pid}", pid) for p in api_paths if "{pid}" in p)
        queue.extend(p for p in api_paths if "{" not in p and p not in result.visited)
    return result


def api_read_paths(document: dict[str, Any]) -> tuple[str, ...]:
    """The API's GET routes with only a participant id to fill in."""
    return tuple(
        path
        for path, operations in document["paths"].items()
        if "get" in operations and not set(re.findall(r"{(\w+)}", path)) - {"pid"}
    )


def json_leaks(value: Any) -> list[str]:
    """Arm values and arm keys anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() == "arm":
                found.append(f"key {key!r}")
            found += json_leaks(item)
    elif isinstance(value, list):
        for item in value:
            found += json_leaks(item)
    elif isinstance(value, str) and value.lower() in {str(a) for a in ARMS}:
        found.append(f"value {value!r}")
    return found
