"""Attacks on the head log itself: whoever can write the anchor directory edits, removes,
reorders or cuts off lines so that the anchors agree with a store they changed. The log is
chained line by line and its length witnessed in the data directory, so each of these is a
finding for `edc audit verify` (exit 1) and for the start of `edc serve`. SQLite and
PostgreSQL (the log is a file on the application host either way).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from domain.actor import Actor
from edc import audit
from edc.application import Trial
from edc.audit import anchors
from edc.audit.head_log import HeadLog
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import actors, clock, settings, trial
from tests.security.common import built, serve_refusal, verify

__all__ = ["actors", "clock", "settings", "trial"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def logged(trial: Trial, actors: dict[str, Actor], settings: Settings, extra: int = 4) -> Path:
    """The audit scenario, anchored, with `extra` more entries (as exports would add)."""
    built(trial, actors, settings)
    reopened = build_trial(settings)
    try:
        head = audit.head(reopened)
    finally:
        reopened.close()
    for i in range(extra):
        anchors.record(settings, "published", head, f"export {i}")
    return anchors.log_for(settings).path


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def assert_finding(settings: Settings, words: str) -> None:
    done = verify(settings)
    assert done.returncode == 1, done.stdout
    assert "TAMPERED" in done.stdout and words in done.stdout, done.stdout
    refused = serve_refusal(settings)
    assert refused.returncode != 0 and words in refused.stderr + refused.stdout


def test_an_untouched_log_verifies_and_every_line_links_to_the_one_before(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    records = [json.loads(line) for line in lines_of(path)]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert len({r["prev"] for r in records}) == len(records)
    done = verify(settings)
    assert done.returncode == 0, done.stdout


def test_editing_a_line_in_the_middle_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    lines = lines_of(path)
    record = json.loads(lines[2])
    record["note"] = "nothing to see here"
    lines[2] = json.dumps(record, sort_keys=True) + "\n"
    path.write_text("".join(lines))
    assert_finding(settings, "line 4 of the head log")


def test_removing_a_line_in_the_middle_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    lines = lines_of(path)
    del lines[1]
    path.write_text("".join(lines))
    assert_finding(settings, "line 2 of the head log")


def test_reordering_two_lines_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    lines = lines_of(path)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("".join(lines))
    assert_finding(settings, "line 2 of the head log")


def test_removing_the_first_line_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    path.write_text("".join(lines_of(path)[1:]))
    assert_finding(settings, "line 1 of the head log")


def test_cutting_lines_off_the_end_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    lines = lines_of(path)
    path.write_text("".join(lines[:-2]))
    assert_finding(settings, f"has {len(lines) - 2} lines, but {len(lines)} were written")


def test_emptying_the_log_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    path.write_text("")
    assert_finding(settings, "lines were removed from its end")


def test_cutting_the_last_line_short_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    text = path.read_text()
    path.write_text(text[:-30])
    assert_finding(settings, "is damaged")


def test_editing_the_last_line_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    lines = lines_of(path)
    record = json.loads(lines[-1])
    record["note"] = "edited"
    lines[-1] = json.dumps(record, sort_keys=True) + "\n"
    path.write_text("".join(lines))
    assert_finding(settings, f"the first {len(lines)} lines of the head log")


def test_a_line_added_by_hand_without_its_link_is_a_finding(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    path = logged(trial, actors, settings)
    lines = lines_of(path)
    forged = json.loads(lines[-1])
    del forged["prev"], forged["seq"]
    lines.insert(2, json.dumps(forged) + "\n")
    path.write_text("".join(lines))
    assert_finding(settings, "line 3 of the head log")


def test_a_log_written_before_the_chain_is_covered_by_the_first_chained_line(
    tmp_path: Path,
) -> None:
    log = HeadLog(tmp_path / "anchors", witness=tmp_path / "data" / "heads.witness")
    log.directory.mkdir()
    head = audit.ChainHead(3, "ab" * 32)
    unchained = json.dumps({"at": "2026-12-02T20:00:00", "kind": "commit", "head": str(head)})
    log.path.write_text(unchained + "\n" + unchained + "\n")
    log.append("commit", audit.ChainHead(5, "cd" * 32))
    entries, problems = log.entries()
    assert problems == [] and [e.line for e in entries] == [1, 2, 3]
    # An edit of the lines written before the chain breaks the first chained line.
    lines = log.path.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("20:00", "21:00")
    log.path.write_text("".join(lines))
    _, problems = log.entries()
    assert problems and "does not follow" in " ".join(problems)


def test_writers_appending_at_once_keep_one_unbroken_chain(tmp_path: Path) -> None:
    directory, witness = tmp_path / "anchors", tmp_path / "data" / "heads.witness"

    def write(worker: int) -> None:
        log = HeadLog(directory, witness=witness)  # a file descriptor of its own
        for i in range(40):
            log.append("commit", audit.ChainHead(worker * 100 + i + 1, "ef" * 32), sync=False)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries, problems = HeadLog(directory, witness=witness).entries()
    assert problems == [] and len(entries) == 160


def test_a_copy_of_the_data_directory_with_a_log_of_its_own_is_not_a_truncation(
    tmp_path: Path,
) -> None:
    witness = tmp_path / "data" / "heads.witness"
    HeadLog(tmp_path / "anchors", witness=witness).append("commit", audit.ChainHead(1, "ab" * 32))
    elsewhere = HeadLog(tmp_path / "other-anchors", witness=witness)
    assert elsewhere.entries() == ([], [])
