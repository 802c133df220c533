"""Ingest never follows a link out of the folder it was given (issue 13, case 5): a link to
/etc/passwd or to a .env file is skipped and listed in the summary; links inside are fine."""

from __future__ import annotations

import os

from conftest import write

from ingest.pipeline import Ingestor
from vectorstore.store import PassageStore

STORY = "Harbour board approves ferry terminal\n\nThe harbour board approved the new ferry terminal on Monday."
SECRET = "OPENAI_API_KEY=sk-secret-value-that-must-never-be-indexed-anywhere\nDB_PASSWORD=hunter2-hunter2\n"


def test_links_out_of_the_folder_are_skipped_and_listed(settings, tmp_path):
    outside = tmp_path / "outside"
    write(outside / "secrets.txt", SECRET)
    write(outside / "more" / "notes.txt", SECRET)
    d = tmp_path / "in"
    write(d / "story.txt", STORY)
    os.symlink(outside / "secrets.txt", d / "env.txt")
    os.symlink("/etc/passwd", d / "passwd.txt")
    os.symlink(outside / "more", d / "linked-folder")
    os.symlink(d, d / "back-to-top")  # stays inside: followed (and walked once)
    s = Ingestor(settings).ingest([d])
    skipped = {f.item: f.reason for f in s.skipped_items}
    assert {k.rsplit("/", 1)[-1] for k in skipped} == {"env.txt", "passwd.txt", "linked-folder"}
    assert all("outside the folder" in r for r in skipped.values())
    assert s.failed == [] and s.skipped >= 3
    assert "skipped: " in s.format() and "passwd.txt" in s.format()
    assert [x["item"] for x in s.to_dict()["skipped_items"]]
    text = " ".join(p.text for p in PassageStore(settings).iter_passages())
    assert "ferry terminal" in text and "sk-secret" not in text and "root:" not in text and "hunter2" not in text
