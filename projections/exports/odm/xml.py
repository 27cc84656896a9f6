"""A thin streaming XML writer over `lxml.etree.xmlfile`, for the ODM namespace.

Every element is opened with `xmlfile.element`, so nothing is held in memory beyond the
element being written and the default namespace is declared once, on the root.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

NS = "http://www.cdisc.org/ns/odm/v1.3"


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _attrib(attrs: dict[str, Any]) -> dict[str, str]:
    """Attributes in the given order, leaving out those that are None."""
    return {name: str(value) for name, value in attrs.items() if value is not None}


class XmlOut:
    """Writes ODM elements to an open `xmlfile` context."""

    def __init__(self, xf: Any) -> None:
        self.xf = xf

    @contextmanager
    def element(self, tag: str, **attrs: Any) -> Iterator[None]:
        with self.xf.element(q(tag), attrib=_attrib(attrs)):
            yield

    def root(self, tag: str, **attrs: Any) -> Any:
        return self.xf.element(q(tag), attrib=_attrib(attrs), nsmap={None: NS})

    def leaf(self, tag: str, text: str | None = None, **attrs: Any) -> None:
        with self.xf.element(q(tag), attrib=_attrib(attrs)):
            if text is not None:
                self.xf.write(text)

    def translated(self, tag: str, text: str) -> None:
        """An element holding one TranslatedText (Question, Decode, ...).

        All texts are English; xml:lang is left out because `xmlfile` cannot write the
        reserved `xml` prefix, and the schema makes it optional.
        """
        with self.element(tag):
            self.leaf("TranslatedText", text)

    def newline(self) -> None:
        self.xf.write("\n")
