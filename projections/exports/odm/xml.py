"""Streaming XML writers for the ODM namespace.

`XmlOut` opens every element with `lxml.etree.xmlfile.element`: used for the document and its
metadata. `TreeOut` builds one top-level element at a time (one SubjectData: one event, or one
participant of a snapshot) as a small lxml tree and writes its bytes as soon as it is closed:
fewer Python calls per element than an `xmlfile` context each, empty elements written as
`<X/>`, and memory still holds one element at a time.
Its elements carry no namespace of their own; they are written inside ClinicalData, whose
default namespace they take when read, so no element repeats the namespace declaration.

Every text and attribute goes through `domain.text.for_export`: a character XML 1.0 cannot hold
(a control character or lone surrogate stored before the free-text rule) is written as U+FFFD,
so no stored value makes an ODM file fail or become invalid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from lxml import etree

from domain.text import for_export

NS = "http://www.cdisc.org/ns/odm/v1.3"


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _attrib(attrs: dict[str, Any]) -> dict[str, str]:
    """Attributes in the given order, leaving out those that are None."""
    return {name: for_export(str(value)) for name, value in attrs.items() if value is not None}


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
                self.xf.write(for_export(text))

    def translated(self, tag: str, text: str) -> None:
        """An element holding one TranslatedText (Question, Decode, ...).

        All texts are English; xml:lang is left out because `xmlfile` cannot write the
        reserved `xml` prefix, and the schema makes it optional.
        """
        with self.element(tag):
            self.leaf("TranslatedText", text)

    def newline(self) -> None:
        self.xf.write("\n")


class _Opened:
    """Closes a TreeOut element on leaving the `with` block (cheaper than a generator)."""

    __slots__ = ("node", "out")

    def __init__(self, out: TreeOut, node: etree._Element) -> None:
        self.out, self.node = out, node

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.out.close(self.node)


class TreeOut:
    """Builds each top-level element as a small tree and writes it when it closes."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.stack: list[etree._Element] = []

    def element(self, tag: str, **attrs: Any) -> _Opened:
        attrib = _attrib(attrs)
        node = (
            etree.SubElement(self.stack[-1], tag, attrib)
            if self.stack
            else etree.Element(tag, attrib)
        )
        self.stack.append(node)
        return _Opened(self, node)

    def close(self, node: etree._Element) -> None:
        self.stack.pop()
        if not self.stack:
            self.target.write(etree.tostring(node, encoding="UTF-8", xml_declaration=False))

    @property
    def current(self) -> etree._Element:
        return self.stack[-1]

    def leaf(self, tag: str, text: str | None = None, **attrs: Any) -> None:
        node = etree.SubElement(self.stack[-1], tag, _attrib(attrs))
        if text is not None:
            node.text = for_export(text)

    def leaves(self, tag: str, attribs: Iterable[dict[str, str]]) -> None:
        """Empty elements with the given attributes (all text): the fast path for ItemData."""
        parent = self.stack[-1]
        for attrib in attribs:
            try:
                etree.SubElement(parent, tag, attrib)
            except ValueError:  # lxml refuses what XML cannot hold; checked only then
                etree.SubElement(parent, tag, {k: for_export(v) for k, v in attrib.items()})

    def newline(self) -> None:
        if not self.stack:
            self.target.write(b"\n")
