"""Discovery of a class's hand-ins: folders, zips, Canvas exports, rosters, and hostile archives."""
from __future__ import annotations

import os
import shutil
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import SUBMISSIONS

from grader.classroom.discover import (
    Discovery,
    DiscoveryError,
    Handin,
    RosterError,
    discover,
    read_roster,
)
from grader.results import Student
from grader.submission.archive import extract_zip
from grader.submission.load import load_submission

CORPUS = SUBMISSIONS / "cifar_simplecnn"
CORRECT = (CORPUS / "correct_sequential.py").read_bytes()
WRONG = (CORPUS / "wrong_num_classes.py").read_bytes()
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def write(root: Path, files: dict[str, bytes]) -> Path:
    """Create `files` (relative path → content) under `root`; `root`."""
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def make_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries:
            zf.writestr(name, content)
    return path


def zip_bytes(tmp_path: Path, entries: list[tuple[str, bytes]]) -> bytes:
    return make_zip(tmp_path / "tmp.zip", entries).read_bytes()


def tree(root: Path) -> set[str]:
    """Every path under `root` (links listed, not followed)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def special(name: str, mode: int) -> zipfile.ZipInfo:
    """An entry with Unix file type bits (link, device) that zipfile writes as asked."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


_FIELDS = {"flags": (6, 8, "<H"), "method": (8, 10, "<H"), "crc": (14, 16, "<I"), "size": (22, 24, "<I")}
"""Offsets in the local and the central header of a zip entry, and struct format."""


def patch_entry(archive: Path, name: str, **fields: int) -> None:
    """Rewrite header fields of entry `name` in both its headers: zips zipfile would never write."""
    data = bytearray(archive.read_bytes())
    central = -1
    while True:
        central = data.find(b"PK\x01\x02", central + 1)
        assert central >= 0, name
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == name.encode():
            break
    local = int.from_bytes(data[central + 42:central + 46], "little")
    for field, value in fields.items():
        at_local, at_central, fmt = _FIELDS[field]
        struct.pack_into(fmt, data, local + at_local, value)
        struct.pack_into(fmt, data, central + at_central, value)
    archive.write_bytes(data)


def deflated_zeros(mib: int) -> tuple[bytes, int]:
    """Raw deflate data of `mib` MiB of zeros, and its CRC-32: one fully flushed compressed MiB repeated,
    so that a 1 GiB bomb takes a fraction of a second to build."""
    zeros = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return block * mib + zlib.compressobj(9, zlib.DEFLATED, -15).flush(), crc


# ------------------------------------------------------------------------------------ folders

def test_folder_of_files_and_per_student_folders(tmp_path):
    source = write(tmp_path / "in", {
        "alice.py": CORRECT, "bob.ipynb": NOTEBOOK, "carol.zip": zip_bytes(tmp_path, [("model.py", CORRECT)]),
        "dave/model.py": CORRECT, "dave/data/labels.txt": b"cat\n",
        "erin.py": CORRECT, "erin.ipynb": NOTEBOOK,
        "README.txt": b"hello", "photo.png": b"\x89PNG", "Model.PY": CORRECT, ".hidden.py": CORRECT,
        ".DS_Store": b"", "Thumbs.db": b"", "__MACOSX/._alice.py": b"", ".ipynb_checkpoints/x.ipynb": b"",
    })
    work = tmp_path / "work"
    found = discover(source, work)
    assert found == Discovery(
        handins=(Handin(Student("alice", "alice"), source / "alice.py", "alice.py"),
                 Handin(Student("bob", "bob"), source / "bob.ipynb", "bob.ipynb"),
                 Handin(Student("carol", "carol"), source / "carol.zip", "carol.zip"),
                 Handin(Student("dave", "dave"), source / "dave", "dave/"),
                 Handin(Student("erin", "erin"), work / "grouped" / "erin", "erin.ipynb, erin.py")),
        unknown=(".hidden.py: hidden", "Model.PY: not a .py, .ipynb or .zip file, nor a folder",
                 "README.txt: not a .py, .ipynb or .zip file, nor a folder",
                 "photo.png: not a .py, .ipynb or .zip file, nor a folder"),
        refused=(), not_submitted=(), unmatched=())
    assert tree(work) == {"grouped", "grouped/erin", "grouped/erin/erin.py", "grouped/erin/erin.ipynb"}
    assert (work / "grouped" / "erin" / "erin.py").read_bytes() == CORRECT


def test_roster_matches_file_stems(tmp_path):
    source = write(tmp_path / "in", {"alice.py": CORRECT, "zed.py": CORRECT})
    roster = [Student("alice", "Alice Liddell", "S1", "al", "L01"), Student("bob", "Bob Dylan")]
    found = discover(source, tmp_path / "work", roster=roster)
    assert [h.student for h in found.handins] == [roster[0], Student("zed", "zed")]
    assert found.not_submitted == (roster[1],)
    assert found.unmatched == ("zed.py: id 'zed' is not on the roster",)


def test_empty_folder(tmp_path):
    (tmp_path / "in").mkdir()
    assert discover(tmp_path / "in", tmp_path / "work") == Discovery((), (), (), (), ())


def test_links_and_fifos_in_a_folder_are_never_followed(tmp_path):
    source = write(tmp_path / "in", {"alice.py": CORRECT, "bob/model.py": CORRECT})
    (tmp_path / "outside").mkdir()
    (source / "passwd.py").symlink_to("/etc/passwd")
    (source / "linkdir").symlink_to(tmp_path / "outside")
    (source / "bob" / "secret.txt").symlink_to("/etc/passwd")
    os.mkfifo(source / "fifo")
    work = tmp_path / "work"
    found = discover(source, work)
    assert found.handins == (Handin(Student("alice", "alice"), source / "alice.py", "alice.py"),
                             Handin(Student("bob", "bob"), work / "grouped" / "bob", "bob/"))
    assert found.refused == ("bob/secret.txt: symbolic link; not followed", "fifo: device, FIFO or socket; not read",
                             "linkdir: symbolic link; not followed", "passwd.py: symbolic link; not followed")
    assert found.unknown == ()
    assert tree(work) == {"grouped", "grouped/bob", "grouped/bob/model.py"}


def test_output_folder_inside_the_input_is_not_a_student(tmp_path):
    source = write(tmp_path / "in", {"alice.py": CORRECT})
    found = discover(source, source / "out" / "work")
    assert [h.student.id for h in found.handins] == ["alice"]
    assert found.unknown == ()  # nothing written yet: the output folder does not exist
    (source / "out" / "work").mkdir(parents=True)
    assert discover(source, source / "out" / "work").unknown == ("out/: holds the output folder",)


@pytest.mark.parametrize("name, why", [
    ("missing", "no such file or folder"),
    ("notes.txt", "expected a folder or a .zip file"),
    ("broken.zip", "not a readable zip file (File is not a zip file)"),
])
def test_unreadable_input(tmp_path, name, why):
    write(tmp_path, {"notes.txt": b"hi", "broken.zip": b"not a zip"})
    with pytest.raises(DiscoveryError) as error:
        discover(tmp_path / name, tmp_path / "work")
    assert str(error.value) == f"{tmp_path / name}: {why}"
    assert isinstance(error.value, ValueError)


# ------------------------------------------------------------------------------------ Canvas and rosters

CANVAS_FILES = {
    "smithjohn_1234_5678_correct_sequential.py": CORRECT,
    "doejane_LATE_2345_6789_model.py": WRONG,
    "leeann_3456_1111_model-1.py": CORRECT,
    "leeann_3456_1112_helpers.py": b"SCALE = 2\n",
    "leeann_LATE_3456_1113_my_notes-2.txt": b"notes",
    "kimbo_4567_2222_submission.zip": b"",  # filled in by the test
}


def test_canvas_export_grouped_by_id_with_roster(tmp_path):
    student_zip = zip_bytes(tmp_path, [("model.py", CORRECT)])
    source = write(tmp_path / "export", {**CANVAS_FILES, "kimbo_4567_2222_submission.zip": student_zip})
    work = tmp_path / "work"
    roster = [Student("1234", "Smith, John"), Student("2345", "Doe, Jane"), Student("3456", "Lee, Ann"),
              Student("9999", "Absent, Max")]
    found = discover(source, work, roster=roster)
    assert found == Discovery(
        handins=(
            Handin(roster[0], source / "smithjohn_1234_5678_correct_sequential.py",
                   "smithjohn_1234_5678_correct_sequential.py"),
            Handin(roster[1], source / "doejane_LATE_2345_6789_model.py", "doejane_LATE_2345_6789_model.py (late)"),
            Handin(roster[2], work / "grouped" / "3456", "leeann_3456_1111_model-1.py, leeann_3456_1112_helpers.py, "
                                                         "leeann_LATE_3456_1113_my_notes-2.txt (late)"),
            Handin(Student("4567", "kimbo"), source / "kimbo_4567_2222_submission.zip",
                   "kimbo_4567_2222_submission.zip")),
        unknown=(), refused=(), not_submitted=(roster[3],),
        unmatched=("kimbo_4567_2222_submission.zip: id '4567' is not on the roster",))
    grouped = work / "grouped" / "3456"
    assert tree(grouped) == {"model.py", "helpers.py", "my_notes.txt"}
    assert (grouped / "model.py").read_bytes() == CORRECT
    submission = load_submission(grouped, ("SimpleCNN",))
    shutil.rmtree(submission.directory)
    assert submission.main_file == "model.py"


def test_canvas_names_without_roster_and_clashing_originals(tmp_path):
    source = write(tmp_path / "export", {"smithjohn_1234_5678_model.py": CORRECT,
                                         "smithjohn_1234_5679_model-1.py": WRONG})
    found = discover(source, tmp_path / "work")
    assert found.handins == (Handin(Student("1234", "smithjohn"), tmp_path / "work" / "grouped" / "1234",
                                    "smithjohn_1234_5678_model.py, smithjohn_1234_5679_model-1.py"),)
    assert tree(found.handins[0].path) == {"smithjohn_1234_5678_model.py", "smithjohn_1234_5679_model-1.py"}


def test_read_roster_simple_form_with_bom(tmp_path):
    path = write(tmp_path, {"roster.csv": "\ufeffid,name,sis_id,login,section\n"
                                          "alice,Alice Liddell,S1,al,L01\r\n\nbob , Bob Dylan\n".encode()})
    assert read_roster(path / "roster.csv") == [Student("alice", "Alice Liddell", "S1", "al", "L01"),
                                                Student("bob", "Bob Dylan")]


def test_read_roster_canvas_gradebook(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Exercise 2a (812),Current Score\n"
                    ",,,,,Muted,\n"
                    "    Points Possible,,,,,10.00,(read only)\n"
                    '"Smith, John",1234,S1234,jsmith,CNN 101 L01,8.00,80.00\n'
                    '"Doe, Jane",2345,S2345,jdoe,CNN 101 L02,,\n', encoding="utf-8")
    assert read_roster(path) == [Student("1234", "Smith, John", "S1234", "jsmith", "CNN 101 L01"),
                                 Student("2345", "Doe, Jane", "S2345", "jdoe", "CNN 101 L02")]


@pytest.mark.parametrize("content, why", [
    (b"name,email\nAlice,a@x.org\n", ", line 1: no id column (expected 'id', or Canvas's 'ID'); found name, email"),
    (b"id,name\na,Ann\nb,Bea\na,Cy\n", ", line 4: id 'a' again (first on line 2)"),
    (b"id,name\na,Ann\nb,Ren\xe9\n", ", line 3: not UTF-8 text; export the roster as CSV UTF-8"),
    (b"id,name\n,Bob\n", ", line 2: no id for 'Bob'"),
    (b"", ": empty; expected a header line such as 'id,name'"),
    (b"id,name\na," + b"x" * 200_000 + b"\n", ", line 2: field larger than field limit (131072)"),
    (None, ": cannot be read (No such file or directory)"),
])
def test_roster_errors_name_file_and_line(tmp_path, content, why):
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RosterError) as error:
        read_roster(path)
    assert str(error.value) == f"{path}{why}"
    assert isinstance(error.value, ValueError)


# ------------------------------------------------------------------------------------ archives

def test_zip_of_a_wrapped_folder_is_unwrapped(tmp_path):
    student_zip = zip_bytes(tmp_path, [("model.py", CORRECT)])
    archive = make_zip(tmp_path / "class.zip", [
        ("submissions/", b""), ("submissions/alice/model.py", CORRECT), ("submissions/alice/data/x.txt", b"1"),
        ("submissions/bob/bob.ipynb", NOTEBOOK), ("submissions/carol.py", CORRECT),
        ("submissions/kimbo_4567_2222_submission.zip", student_zip), ("submissions/README.md", b"#"),
        ("submissions/.DS_Store", b""), ("__MACOSX/submissions/._carol.py", b""),
    ])
    work = tmp_path / "work"
    found = discover(archive, work)
    root = work / "extracted" / "submissions"
    assert found == Discovery(
        handins=(Handin(Student("4567", "kimbo"), root / "kimbo_4567_2222_submission.zip",
                        "submissions/kimbo_4567_2222_submission.zip"),
                 Handin(Student("alice", "alice"), root / "alice", "submissions/alice/"),
                 Handin(Student("bob", "bob"), root / "bob", "submissions/bob/"),
                 Handin(Student("carol", "carol"), root / "carol.py", "submissions/carol.py")),
        unknown=("submissions/README.md: not a .py, .ipynb or .zip file, nor a folder",),
        refused=(), not_submitted=(), unmatched=())
    assert (root / "kimbo_4567_2222_submission.zip").read_bytes() == student_zip  # left for the loader
    assert tree(work / "extracted") == {
        "submissions", "submissions/alice", "submissions/alice/model.py", "submissions/alice/data",
        "submissions/alice/data/x.txt", "submissions/bob", "submissions/bob/bob.ipynb", "submissions/carol.py",
        "submissions/kimbo_4567_2222_submission.zip", "submissions/README.md"}
    assert discover(archive, work) == found  # a second run replaces what the first extracted


def test_hostile_archive_refuses_bad_entries_and_extracts_the_rest(tmp_path):
    outside = write(tmp_path / "outside", {"keep.txt": b"keep"})
    bomb, crc = deflated_zeros(1024)
    archive = make_zip(tmp_path / "class.zip", [
        ("alice.py", CORRECT),
        (zipfile.ZipInfo("../evil.py"), b"x"), (zipfile.ZipInfo("../../../outside/evil.py"), b"x"),
        (zipfile.ZipInfo(f"{outside}/abs.py"), b"x"), (zipfile.ZipInfo("C:/evil.py"), b"x"),
        (zipfile.ZipInfo("..\\win.py"), b"x"), (zipfile.ZipInfo("__MACOSX/../../junk.py"), b"x"),
        (special("link.py", 0o120777), b"/etc/passwd"), (special("dev", stat.S_IFCHR | 0o644), b""),
        ("secret.py", b"x = 1"), (zipfile.ZipInfo("bomb.bin"), bomb), ("liar.py", bytes(20 << 20)),
        ("bob.py", WRONG)])
    patch_entry(archive, "secret.py", flags=0x1)
    patch_entry(archive, "bomb.bin", method=zipfile.ZIP_DEFLATED, crc=crc, size=1 << 30)  # stored → deflated
    patch_entry(archive, "liar.py", size=1000)
    out = tmp_path / "out"
    before = tree(tmp_path)
    found = discover(archive, out / "work")
    assert found.handins == (Handin(Student("alice", "alice"), out / "work" / "extracted" / "alice.py", "alice.py"),
                             Handin(Student("bob", "bob"), out / "work" / "extracted" / "bob.py", "bob.py"))
    assert found.refused == (
        "../evil.py: path with '..' or no name (would land outside the folder)",
        "../../../outside/evil.py: path with '..' or no name (would land outside the folder)",
        f"{outside}/abs.py: absolute path or drive letter",
        "C:/evil.py: absolute path or drive letter",
        "..\\win.py: path with '..' or no name (would land outside the folder)",
        "__MACOSX/../../junk.py: path with '..' or no name (would land outside the folder)",
        "link.py: symbolic link",
        "dev: device, FIFO or socket",
        "secret.py: encrypted",
        "bomb.bin: compression bomb: 1,024.0 MiB from 1.0 MiB (over 200:1)",
        "liar.py: cannot be extracted (Bad CRC-32 for file 'liar.py')")
    assert found.unknown == ()
    after = tree(tmp_path)
    assert before <= after
    assert after - before == {"out", "out/work", "out/work/extracted", "out/work/extracted/alice.py",
                              "out/work/extracted/bob.py"}
    assert tree(outside) == {"keep.txt"} and not Path(f"{outside}/abs.py").exists()


def test_the_crafted_bomb_is_a_real_one(tmp_path):
    """The bomb above unpacks for real (checked on 64 MiB to stay fast)."""
    bomb, crc = deflated_zeros(64)
    assert zlib.crc32(zlib.decompress(bomb, -15)) == crc and len(bomb) < (64 << 20) // 200


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_extract_zip_limits_on_entries_and_bytes(tmp_path):
    archive = make_zip(tmp_path / "x.zip", [(f"{name}.py", bytes(100)) for name in "abcde"])
    assert extract_zip(archive, tmp_path / "few", max_entries=3) == [
        "x.zip: 5 entries, more than 3; the last 2 were not read"]
    assert tree(tmp_path / "few") == {"a.py", "b.py", "c.py"}
    archive = make_zip(tmp_path / "y.zip", [("a.py", bytes(100)), ("b.py", bytes(100)), ("c.py", bytes(100)),
                                            ("d.py", bytes(30)), ("a.py", b"again")])
    assert extract_zip(archive, tmp_path / "small", max_bytes=250) == [
        "c.py: 100 bytes, more than the 50 bytes left of the archive's size limit",
        "a.py: same name as an earlier entry"]
    assert tree(tmp_path / "small") == {"a.py", "b.py", "d.py"}
    assert (tmp_path / "small" / "a.py").read_bytes() == bytes(100)
