"""Streaming XML writers for the ODM namespace.

`XmlOut` opens every element with `lxml.etree.xmlfile.element`: used for the document and its
metadata. `TextOut` writes the clinical data, by far the bulk of a file, as text: one element
is a few string joins instead of an lxml node, and the bytes are the ones lxml's serialiser
writes for the same tree (attributes in the given order, an element without content as `<X/>`,
an empty text as `<X></X>`, the same characters escaped), so a reader sees no difference.
Its elements carry no namespace of their own; they are written inside ClinicalData, whose
default namespace they take when read, so no element repeats the namespace declaration. Memory
holds a bounded buffer of text, never the document.

Every text and attribute goes through `domain.text.for_export`: a character XML 1.0 cannot hold
(a control character or lone surrogate stored before the free-text rule) is written as U+FFFD,
so no stored value makes an ODM file fail or become invalid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

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


# What needs more than copying, in an attribute value and in text: the characters markup
# uses, the white space lxml writes as character references in attributes (a reader would
# otherwise normalise it to spaces) or as `&#13;` in text, and what XML 1.0 cannot hold.
_UNWRITABLE = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff"
_ATTRIBUTE_SPECIAL = re.compile(f'[&<>"\t\n\r{_UNWRITABLE}]')
_TEXT_SPECIAL = re.compile(f"[&<>\r{_UNWRITABLE}]")


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\r": "&#13;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
    }
)


def attribute_text(value: str) -> str:
    """`value` as it is written between an attribute's double quotes."""
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    return for_export(value).translate(_ATTRIBUTE_ESCAPES)


def element_text(value: str) -> str:
    """`value` as it is written as an element's text."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return for_export(value).translate(_TEXT_ESCAPES)


def attributes(attrs: dict[str, Any]) -> str:
    """Attributes in the given order as markup (with a leading space), leaving out None."""
    return "".join(
        f' {name}="{attribute_text(str(value))}"'
        for name, value in attrs.items()
        if value is not None
    )


class _Closing:
    """Closes a TextOut's innermost element on leaving the `with` block (one per writer:
    elements close in the reverse order they opened)."""

    __slots__ = ("out",)

    def __init__(self, out: TextOut) -> None:
        self.out = out

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.out.close()


class TextOut:
    """Writes elements as markup text to `target`, in UTF-8, a bounded buffer at a time."""

    # Parts of text buffered before they are written out (between two top-level elements).
    BUFFERED_PARTS = 4096
    # Characters of whole top-level elements buffered (one can be a whole casebook).
    BUFFERED_TEXT = 1 << 16

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.parts: list[str] = []
        self.text_size = 0
        self.tags: list[str] = []
        # The innermost start tag still lacks its `>`: it becomes `/>` if nothing follows.
        self.bare = False
        self.closing = _Closing(self)

    def element(self, tag: str, **attrs: Any) -> _Closing:
        if self.bare:
            self.parts.append(">")
        self.parts.append(f"<{tag}{attributes(attrs)}")
        self.tags.append(tag)
        self.bare = True
        return self.closing

    def close(self) -> None:
        tag = self.tags.pop()
        if self.bare:
            self.parts.append("/>")
            self.bare = False
        else:
            self.parts.append(f"</{tag}>")
        if not self.tags and len(self.parts) >= self.BUFFERED_PARTS:
            self.flush()

    def leaf(self, tag: str, text: str | None = None, **attrs: Any) -> None:
        if self.bare:
            self.parts.append(">")
            self.bare = False
        if text is None:
            self.parts.append(f"<{tag}{attributes(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{attributes(attrs)}>{element_text(text)}</{tag}>")

    def markup(self, text: str) -> None:
        """Content already written as markup (every value in it escaped); nothing if empty,
        so an element given no content still closes as `<X/>`."""
        if not text:
            return
        if self.bare:
            self.parts.append(">")
            self.bare = False
        self.parts.append(text)

    def top_level(self, text: str) -> None:
        """A whole top-level element (and what follows it) already written as markup."""
        if self.tags:
            raise ValueError(f"A top-level element inside <{self.tags[-1]}>")
        self.parts.append(text)
        self.text_size += len(text)
        if self.text_size >= self.BUFFERED_TEXT:
            self.flush()

    def newline(self) -> None:
        if not self.tags:
            self.parts.append("\n")

    def flush(self) -> None:
        """Write out what is buffered (call once more after the last element)."""
        if self.parts:
            self.target.write("".join(self.parts).encode("utf-8"))
            self.parts.clear()
        self.text_size = 0
