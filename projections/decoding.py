"""Decoding stored events for the read models: the events the application's mapper makes,
made with less work per event.

The mapper decodes the stored state with the standard library's JSON decoder and a Python
hook called for every object in it, to turn the transcoder's tagged objects
(`{"_type_": ..., "_data_": ...}`) back into values (times, dates, UUIDs). In the events of
this trial the tagged objects are almost always top-level attributes (the time, a date, an id),
so here the state is parsed by orjson and only those attributes are turned back, each by the
transcoder's own transcoding. An event is decoded this way only when that accounts for every
tagged object in its bytes (counted in the stored state); any other event (a tag nested deeper,
text orjson refuses, an escaped character, with which a tag's key can be spelt, a run of 19 or
more digits, which orjson may read as a float where the mapper keeps a whole number, a transcoder
other than the library's JSON one) is decoded by the transcoder itself. The cipher, the
compressor, the originator id's type and the upcasting of older class versions are the
mapper's own. Either way the event is the mapper's, attribute for attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoding,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

_TAG = b'"_type_"'
_ESCAPE = b"\\u"
# orjson reads a whole number beyond 64 bits as a float. Every digit turned into "0", a run of
# 19 zeros finds any such number (and, harmlessly, long digit runs inside text).
_DIGITS_AS_ZEROS = bytes.maketrans(b"0123456789", b"0000000000")
_LONG_NUMBER = b"0" * 19


class _Topic:
    """What decoding needs of one topic, worked out on its first event."""

    __slots__ = ("class_version", "cls", "id_convertors", "tagged")

    def __init__(self, topic: str) -> None:
        self.cls: type = resolve_topic(topic)
        self.class_version: int = getattr(self.cls, "class_version", 1)
        # Top-level attributes seen holding a tagged object (learned as events arrive).
        self.tagged: tuple[str, ...] = ()
        # The library's originator id conversion for this class, by the stored id's type.
        self.id_convertors: dict[type, Callable[[Any], Any]] = {}


class EventDecoder:
    """`decode(stored_event)` gives what `mapper.to_domain_event(stored_event)` gives."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        transcoder = mapper.transcoder
        # Only the library's JSON transcoder is understood; any other decodes every event.
        self._names: dict[str, Transcoding] | None = (
            transcoder.names if type(transcoder) is JSONTranscoder else None
        )
        self._topics: dict[str, _Topic] = {}

    def __call__(self, stored: StoredEvent) -> Any:
        return self.stored(
            stored.topic, stored.originator_id, stored.originator_version, stored.state
        )

    def stored(self, topic_name: str, originator_id: Any, version: int, data: bytes) -> Any:
        """The event stored with this topic, originator id (of the type the recorder gives),
        version and state: what the mapper makes of the same stored event."""
        names = self._names
        if names is None:
            return self.mapper.to_domain_event(
                StoredEvent(originator_id, version, topic_name, data)
            )
        topic = self._topics.get(topic_name)
        if topic is None:
            topic = self._topics[topic_name] = _Topic(topic_name)
        mapper = self.mapper
        try:
            if mapper.cipher:
                data = mapper.cipher.decrypt(data)
            if mapper.compressor:
                data = mapper.compressor.decompress(data)
            state = self._state(topic, names, data)
        except Exception as error:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{topic_name}', "
                f"originator_id '{originator_id}' and "
                f"originator_version {version}: {error}"
            ) from error
        cls = topic.cls
        convert = topic.id_convertors.get(originator_id.__class__)
        if convert is None:
            convert = find_id_convertor(cls, originator_id.__class__)
            topic.id_convertors[originator_id.__class__] = convert
        state["originator_id"] = convert(originator_id)
        state["originator_version"] = version
        from_version = state.pop("class_version", 1)
        while from_version < topic.class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _state(self, topic: _Topic, names: dict[str, Transcoding], data: bytes) -> dict[str, Any]:
        if _ESCAPE in data:
            # A key's letters may be escapes ("\\u005ftype_"): tags are then not found by
            # their bytes. The encoder writes escapes only for control characters: rare.
            return self.mapper.transcoder.decode(data)
        if _LONG_NUMBER in data.translate(_DIGITS_AS_ZEROS):
            return self.mapper.transcoder.decode(data)
        tags = data.count(_TAG)
        state: Any
        try:
            state = orjson.loads(data)
        except orjson.JSONDecodeError:
            return self.mapper.transcoder.decode(data)
        if state.__class__ is not dict:
            return self.mapper.transcoder.decode(data)
        if not tags:
            return state
        turned = 0
        for key in topic.tagged:  # inline: this runs for nearly every event
            value = state.get(key)
            if value.__class__ is dict and len(value) == 2:
                name = value.get("_type_")
                if name is not None and "_data_" in value:
                    state[key] = names[name].decode(value["_data_"])
                    turned += 1
        if turned != tags:
            # An attribute not seen tagged before: look at every top-level one once.
            learned = tuple(key for key, value in state.items() if _is_tagged(value))
            if set(learned) - set(topic.tagged):
                topic.tagged = tuple(dict.fromkeys((*topic.tagged, *learned)))
            turned += _untag(state, learned, names)
            if turned != tags:  # tagged objects deeper down, or tag-like text: the slow way
                return self.mapper.transcoder.decode(data)
        return state


def _is_tagged(value: Any) -> bool:
    return value.__class__ is dict and len(value) == 2 and "_type_" in value and "_data_" in value


def _untag(state: dict[str, Any], keys: tuple[str, ...], names: dict[str, Transcoding]) -> int:
    """Turn the tagged objects at `keys` into values, as the transcoder's hook would; return
    how many were turned."""
    turned = 0
    for key in keys:
        value: Any = state.get(key)
        if _is_tagged(value):
            transcoding = names.get(value["_type_"])
            if transcoding is None:
                raise KeyError(f"no transcoding named {value['_type_']!r}")
            state[key] = transcoding.decode(value["_data_"])
            turned += 1
    return turned
