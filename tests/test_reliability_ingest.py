"""Bad input to ingest (issue 7): each bad item is refused by name with its reason, the rest
is stored, nothing is lost, and a re-run changes nothing.

One ingest run over a folder of hostile files (module fixture) is checked case by case;
the 50 MB file runs in a subprocess that reports its peak RSS; upload names go through
ingest.uploads.safe_upload_path.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write

from footnote.settings import Settings
from ingest.loaders import file_article_id
from ingest.pipeline import Ingestor
from ingest.uploads import UploadError, clean_upload_name, safe_upload_path
from vectorstore.store import PassageStore

GOOD_TEXT = "Harbour board approves ferry terminal\n\nThe harbour board approved the new ferry terminal on Monday after a long debate."


def text_pdf(text: str) -> bytes:
    """A one-page PDF with a real text layer (Helvetica), made with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    page = w.add_blank_page(612, 792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(stream)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def blank_pdf() -> bytes:
    """A PDF whose only page has no text layer (what a scan without OCR looks like)."""
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(612, 792)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


JSONL_LINES = [
    json.dumps({"id": "j1", "title": "Fine record", "text": "The library reopened its doors on Saturday after repairs."}),
    "{this is not json",
    json.dumps({"id": "j3", "title": "No text here"}),
    json.dumps({"id": "j1", "title": "Same id again", "text": "A second record that reuses the id j1 on purpose here."}),
    json.dumps({"id": "j5", "title": "Huge", "text": "x" * 10_000_000}),
    json.dumps(["a", "list", "not", "an", "object"]),
    json.dumps({"id": "j7", "title": "Last good record", "text": "The bakery on Main Street won the city's bread prize."}),
]

# case -> (item name in summary.failed, a word its reason must contain); None: stored fine
CASES: dict[str, tuple[str, str] | None] = {
    "empty_file": ("empty.txt", "empty"),
    "binary_renamed_txt": ("binary.txt", "binary"),
    "latin1_text": None,
    "utf16_bom_text": None,
    "text_over_article_limit": ("big10mb.txt", "limit"),
    "pdf_without_text_layer": ("scan.pdf", "no text layer"),
    "truncated_pdf": ("truncated.pdf", "malformed PDF"),
    "not_a_pdf": ("fake.pdf", "not a PDF"),
    "pdf_with_text": None,
    "html_without_article": ("nav-only.html", "no article"),
    "jsonl_bad_line": ("feed.jsonl:2", "malformed JSON"),
    "jsonl_missing_text": ("feed.jsonl:3", "missing or empty 'text'"),
    "jsonl_duplicate_id": ("feed.jsonl:4", "duplicate id"),
    "jsonl_10mb_field": ("feed.jsonl:5", "limit"),
    "jsonl_not_an_object": ("feed.jsonl:6", "JSON object"),
    "unsupported_type": ("notes.docx", "unsupported file type"),
    "looping_file_symlink": ("loop-a.txt", "symlink"),
    "missing_path": ("does-not-exist.txt", "no such file"),
}
GOOD_IDS = {"j1", "j7"}  # plus the files below


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    """One ingest of a folder holding every bad input and some good ones; then a re-run."""
    tmp = tmp_path_factory.mktemp("bad")
    d = tmp / "in"
    files = {
        "good.txt": GOOD_TEXT,
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 40,
        "latin1.txt": "Caf\xe9 owner wins award\n\nThe caf\xe9 owner Jos\xe9 Mu\xf1oz won the regional award.".encode("latin-1"),
        "utf16.txt": "Bürgermeister eröffnet Brücke\n\nDie neue Brücke über den Fluss wurde am Montag eröffnet.".encode("utf-16"),
        "big10mb.txt": b"All work and no play makes Jack a dull boy.\n" * 240_000,  # ~10.6 MB, under the 50 MB file limit
        "scan.pdf": blank_pdf(),
        "truncated.pdf": text_pdf("The council approved the ferry timetable on Tuesday morning.")[:300],
        "fake.pdf": b"this is plain text with a .pdf name, certainly not a PDF document\n" * 3,
        "report.pdf": text_pdf("The water authority reported record rainfall in the valley this spring."),
        "nav-only.html": "<html><head><title>x</title></head><body><nav><a href='/'>Home</a> | <a href='/a'>About</a></nav></body></html>",
        "feed.jsonl": "\n".join(JSONL_LINES) + "\n",
        "notes.docx": b"PK\x03\x04 not really a docx",
    }
    for name, content in files.items():
        write(d / name, content)
    os.symlink(d / "loop-b.txt", d / "loop-a.txt")
    os.symlink(d / "loop-a.txt", d / "loop-b.txt")
    settings = Settings(store_dir=tmp / "store", _env_file=None)
    ing = Ingestor(settings)
    first = ing.ingest([d / "notes.docx", d, tmp / "does-not-exist.txt"])
    store = PassageStore(settings)
    passages = list(store.iter_passages())
    second = Ingestor(settings).ingest([d / "notes.docx", d, tmp / "does-not-exist.txt"])
    return {"dir": d, "first": first, "second": second, "passages": passages, "states": store.article_states()}


def _failed(summary) -> dict[str, str]:
    return {Path(f.item).name: f.reason for f in summary.failed}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_case(bad_run, case):
    failed = _failed(bad_run["first"])
    expected = CASES[case]
    if expected is None:
        return  # checked by test_good_items_are_stored_and_decoded
    name, word = expected
    assert name in failed, f"{case}: {name} not reported; failed = {failed}"
    assert word.lower() in failed[name].lower(), f"{case}: reason {failed[name]!r}"


def test_only_the_bad_items_fail(bad_run):
    failed = _failed(bad_run["first"])
    expected = {v[0] for v in CASES.values() if v} | {"loop-b.txt"}  # both ends of the loop
    assert set(failed) == expected


def test_good_items_are_stored_and_decoded(bad_run):
    d = bad_run["dir"]
    good_files = ["good.txt", "latin1.txt", "utf16.txt", "report.pdf"]
    want = GOOD_IDS | {file_article_id(d / f) for f in good_files}
    states = bad_run["states"]
    assert set(states) == want and all(s.complete for s in states.values())
    assert bad_run["first"].added == len(want)
    text = "\n".join(p.title + "\n" + p.text for p in bad_run["passages"])
    assert "café owner José Muñoz" in text  # Latin-1, not mojibake
    assert "Die neue Brücke über den Fluss" in text and "Bürgermeister" in text  # UTF-16 with BOM
    assert "record rainfall in the valley" in text  # the PDF's text layer
    assert "\ufffd" not in text and "Ã" not in text
    assert "Jack a dull boy" not in text and "xxxxxxxxxx" not in text  # refused, not cut
    assert "Same id again" not in text  # the duplicate id kept the first record


def test_rerun_changes_nothing_and_reports_the_same_failures(bad_run):
    first, second = bad_run["first"], bad_run["second"]
    assert (second.added, second.updated, second.chunks_written) == (0, 0, 0)
    assert second.unchanged == first.added
    assert sorted(second.failed) == sorted(first.failed)


def test_symlink_loop_in_a_folder_is_walked_once(settings, tmp_path):
    d = tmp_path / "loopy"
    write(d / "sub" / "story.txt", GOOD_TEXT)
    os.symlink(d, d / "sub" / "back-to-top")  # sub/back-to-top -> the folder itself
    os.symlink(d / "sub", d / "sub" / "self")
    s = Ingestor(settings).ingest([d])
    assert s.added == 1 and s.failed == []
    assert PassageStore(settings).stats()["articles"] == 1


def test_cli_names_each_bad_item_and_exits_1(settings, tmp_path, capsys, monkeypatch):
    from ingest.__main__ import main

    monkeypatch.setenv("FOOTNOTE_STORE_DIR", str(settings.store_dir))
    write(tmp_path / "in" / "ok.txt", GOOD_TEXT)
    write(tmp_path / "in" / "empty.txt", b"")
    write(tmp_path / "in" / "bin.txt", bytes(range(256)) * 40)
    assert main(["--quiet", str(tmp_path / "in")]) == 1
    out = capsys.readouterr().out
    assert "added 1" in out and "failed 2" in out
    assert "empty.txt: empty file" in out and "bin.txt: binary file" in out


def test_50mb_text_file_is_refused_without_reading_it(tmp_path):
    """A 50 MiB .txt (over FOOTNOTE_MAX_FILE_MB=50) and a 49 MB one (over the article
    limit) are refused unread: peak RSS grows by less than 30 MB (measured in a child)."""
    big = tmp_path / "in" / "huge.txt"
    big.parent.mkdir()
    line = b"Breaking: nothing happened today, again, in the quiet town of Nowhere.\n"
    with big.open("wb") as fh:
        for _ in range(50 * 2**20 // len(line) + 1):
            fh.write(line)
    assert big.stat().st_size >= 50 * 2**20
    under = tmp_path / "in2" / "almost.txt"
    under.parent.mkdir()
    with under.open("wb") as fh:
        fh.write(line * (49_000_000 // len(line)))
    write(tmp_path / "small" / "ok.txt", GOOD_TEXT)
    code = f"""
import json, resource
from footnote.settings import Settings
from ingest.pipeline import Ingestor
ing = Ingestor(Settings(store_dir={str(tmp_path / 'store')!r}, _env_file=None))
ing.ingest([{str(tmp_path / 'small')!r}])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
s1 = ing.ingest([{str(big)!r}])
s2 = ing.ingest([{str(under)!r}])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"before_kb": before, "after_kb": after, "f1": [f.to_dict() for f in s1.failed], "f2": [f.to_dict() for f in s2.failed], "count": ing.store.count()}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"peak RSS before {res['before_kb'] / 1024:.0f} MB, after the 50 MB + 49 MB files {res['after_kb'] / 1024:.0f} MB")
    (f1,), (f2,) = res["f1"], res["f2"]
    item1, reason1, item2, reason2 = f1["item"], f1["reason"], f2["item"], f2["reason"]
    assert item1.endswith("huge.txt") and "over the 50 MB limit" in reason1 and "FOOTNOTE_MAX_FILE_MB" in reason1
    assert item2.endswith("almost.txt") and "FOOTNOTE_MAX_ARTICLE_CHARS" in reason2
    assert res["after_kb"] - res["before_kb"] < 30 * 1024
    assert res["count"] == 1  # the small article, untouched


def test_jsonl_line_far_over_the_limit_is_skipped_unread(tmp_path):
    """A 10 MB single-line record against a 100,000-character article limit: skipped
    with its line number, the records after it still ingested."""
    settings = Settings(store_dir=tmp_path / "store", max_article_chars=100_000, _env_file=None)
    recs = [
        json.dumps({"id": "r1", "title": "Before", "text": "The first record talks about the river festival."}),
        json.dumps({"id": "r2", "title": "Huge", "text": "y" * 10_000_000}),
        json.dumps({"id": "r3", "title": "After", "text": "The third record talks about the mountain marathon."}),
    ]
    write(tmp_path / "big.jsonl", "\n".join(recs) + "\n")
    s = Ingestor(settings).ingest([tmp_path / "big.jsonl"])
    assert s.added == 2
    (failure,) = s.failed
    assert failure.item == "big.jsonl:2" and "MB" in failure.reason


# --- uploads ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, expected",
    [
        ("story.txt", "story.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("/etc/cron.d/evil.md", "evil.md"),
        ("a\x00b.html", "ab.html"),
        ("new\nline\r.txt", "newline.txt"),
        ("..hidden.pdf", "hidden.pdf"),
        ("report\u202egpj.txt", "reportgpj.txt"),  # right-to-left override stripped
        ("Über café.jsonl", "Über café.jsonl"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_upload_names_are_cleaned(name, expected):
    assert clean_upload_name(name) == expected


@pytest.mark.parametrize("name", ["../../../etc/passwd", "..", "/", "\x00", "...", "evil.exe", "x.txt/..", "payload.sh"])
def test_upload_names_that_cannot_be_saved_are_refused(tmp_path, name):
    with pytest.raises(UploadError):
        safe_upload_path(tmp_path / "uploads", name)


def test_upload_path_never_leaves_the_upload_folder(tmp_path):
    up = tmp_path / "uploads"
    for name in ["../../escape.txt", "/tmp/abs.txt", "sub/dir/x.md", "..\\..\\w.html", "ok.pdf"]:
        p = safe_upload_path(up, name)
        assert p.parent == up.resolve() and p.name.endswith(Path(clean_upload_name(name)).name)
    p1, p2 = safe_upload_path(up, "same.txt"), safe_upload_path(up, "same.txt")
    assert p1 != p2  # two uploads with one name never overwrite each other
    assert safe_upload_path(up, "same.txt", unique=False).name == "same.txt"


def test_upload_symlink_planted_in_the_folder_is_refused(tmp_path):
    up = tmp_path / "uploads"
    up.mkdir()
    os.symlink(tmp_path / "outside.txt", up / "planted.txt")
    with pytest.raises(UploadError, match="outside"):
        safe_upload_path(up, "planted.txt", unique=False)
