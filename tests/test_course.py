"""The course server, as students and staff use it: a real `grader course serve` process over HTTP. Personal links
(random, stored hashed, rotated), a hand-in graded in the sandbox and its report, another student's hand-in out of
reach, forged CSRF and wrong tokens, hostile uploads refused with nothing stored, the hand-ins of an hour, late and
locked assignments, the release of hidden results, exports with the late penalty, and `kill -9` mid-grading."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from conftest import REPO, SUBMISSIONS, data_root, run_cli

from grader.course.store import CourseStore

CIFAR = SUBMISSIONS / "cifar_simplecnn"
STATIC_POINTS = 8.0
"""output_shape, architecture, layer_shapes, gradient_flow and the hidden reference_gradients."""


def _cifar_without_training(into: Path) -> Path:
    """cifar_simplecnn with its static checks only (the course grades every check of an assignment)."""
    text = (REPO / "assignments" / "cifar_simplecnn" / "assignment.toml").read_text()
    folder = into / "assignments" / "cifar_simplecnn"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(text.split('[[check]]\nid = "test_accuracy"')[0])
    (folder / "starter.py").write_text((REPO / "assignments" / "cifar_simplecnn" / "starter.py").read_text())
    return folder


def _locked_copy(into: Path) -> None:
    folder = into / "assignments" / "conceptual_locked"
    folder.mkdir(parents=True)
    text = (REPO / "assignments" / "conceptual" / "assignment.toml").read_text()
    (folder / "assignment.toml").write_text(text.replace('name = "conceptual"', 'name = "conceptual_locked"'))


def make_course(folder: Path, *, per_hour: int = 6, students: int = 0) -> Path:
    """A course of three students (alice, bob, carol; or `students` more, s000...): cifar_simplecnn open for a
    week, the conceptual questions past due but not locked (10% a day), and a locked copy of them."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    folder.mkdir(parents=True, exist_ok=True)
    _cifar_without_training(folder)
    _locked_copy(folder)
    (folder / "roster.csv").write_text("id,name,email\nalice,Alice A.,a@x\nbob,Bob B.,b@x\ncarol,Carol C.,c@x\n"
                                       + "".join(f"s{n:03d},Student {n},s{n}@x\n" for n in range(students)))

    def window(opens: int, due: int, lock: int) -> str:
        return "\n".join(f"{key} = {(now + dt.timedelta(hours=h)).isoformat()}"
                         for key, h in (("opens", opens), ("due", due), ("lock", lock)))
    (folder / "course.toml").write_text(f'''name = "Deep learning, test term"
roster = "roster.csv"
timezone = "UTC"

[[assignment]]
name = "assignments/cifar_simplecnn"
{window(-24, 24 * 7, 24 * 8)}
late_penalty_per_day = 0.10
max_submissions_per_hour = {per_hour}
counts = "last"

[[assignment]]
name = "conceptual"
{window(-24 * 10, -2, 24)}
late_penalty_per_day = 0.10
counts = "best"

[[assignment]]
name = "assignments/conceptual_locked"
{window(-24 * 10, -48, -24)}
''')
    return folder


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    staff: str


def start_server(folder: Path, jobs: int = 2) -> Server:
    env = {**os.environ, "GRADER_DATA": str(data_root())}
    proc = subprocess.Popen([sys.executable, "-m", "grader", "course", "serve", str(folder), "--port", "0",
                             "--jobs", str(jobs)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("staff: "):
            staff = line.split("staff: ", 1)[1].strip()
            return Server(proc, staff.split("/staff/")[0], staff)
    raise AssertionError("".join(lines) + proc.stderr.read())


def stop(server: Server, sig: int = signal.SIGTERM) -> None:
    os.killpg(server.proc.pid, sig)
    server.proc.wait(timeout=60)


def links(folder: Path, base: str, *extra: str) -> dict[str, str]:
    proc = run_cli("course", "links", str(folder), "--base-url", base, *extra)
    assert proc.returncode == 0, proc.stderr
    return {row["id"]: row["url"] for row in csv.DictReader(io.StringIO(proc.stdout))}


class Student:
    """A browser of one student: the cookie from opening the link, the page's CSRF token."""

    def __init__(self, base: str, link: str) -> None:
        self.http = httpx2.Client(base_url=base, timeout=60)
        assert self.http.get("/s/" + link.rsplit("/s/", 1)[1], follow_redirects=False).status_code == 303
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', self.http.get("/").text).group(1)

    def json(self, path: str) -> tuple[int, dict]:
        response = self.http.get(path, headers={"Accept": "application/json"})
        return response.status_code, response.json()

    def hand_in(self, assignment: str, name: str, data: bytes, **headers: str) -> httpx2.Response:
        return self.http.post(f"/a/{assignment}/handins", content=data, headers={
            "X-Filename": name, "X-CSRF-Token": self.csrf, "Accept": "application/json",
            "Origin": str(self.http.base_url).rstrip("/"), **headers})

    def graded(self, handin: int, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, facts = self.json(f"/h/{handin}")
            assert status == 200, facts
            if facts["status"] in ("graded", "failed"):
                return facts
            time.sleep(0.5)
        raise AssertionError(f"hand-in {handin} not graded in {timeout} s: {facts}")


def handin_count(folder: Path) -> int:
    with sqlite3.connect(folder / "state" / "course.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM handins").fetchone()[0]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory, needs_data: Path) -> tuple[Path, Server, dict[str, str]]:
    folder = make_course(tmp_path_factory.mktemp("course") / "course")
    server = start_server(folder)
    try:
        yield folder, server, links(folder, server.base)
    finally:
        stop(server)


def test_links_are_random_stored_hashed_and_rotate(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    assert set(urls) == {"alice", "bob", "carol"}
    tokens = {s: u.rsplit("/s/", 1)[1] for s, u in urls.items()}
    assert all(len(t) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens.values())  # >= 192 bits
    with sqlite3.connect(folder / "state" / "course.sqlite") as db:
        stored = {row[0] for row in db.execute("SELECT token_hash FROM students")}
    assert not stored & set(tokens.values())
    again = run_cli("course", "links", str(folder), "--base-url", server.base)
    assert again.stdout.strip() == "id,name,url" and "3 student(s) already have a link" in again.stderr
    carol = Student(server.base, urls["carol"])
    rotated = links(folder, server.base, "--rotate", "carol")
    assert list(rotated) == ["carol"] and rotated["carol"] != urls["carol"]
    assert httpx2.get(urls["carol"], follow_redirects=False).status_code == 404  # the old link is dead
    assert carol.json("/")[0] == 401  # and its sessions ended
    urls["carol"] = rotated["carol"]


def test_a_student_hands_in_and_reads_the_report(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    alice = Student(server.base, urls["alice"])
    status, home = alice.json("/")
    assert status == 200 and [a["state"] for a in home["assignments"]] == ["open", "late", "locked"]
    answer = alice.hand_in("cifar_simplecnn", "solution.py", (CIFAR / "correct_attributes.py").read_bytes())
    assert answer.status_code == 202, answer.text
    facts = answer.json()
    assert facts["status"] in ("queued", "grading") and facts["queue"]["estimate_seconds"] > 0
    graded = alice.graded(facts["submission"])
    assert graded["score"] == graded["max_score"] == STATIC_POINTS and graded["late"] is None
    hidden = next(c for c in graded["checks"] if c["hidden"])
    assert hidden["found"] == "hidden check: details are not shown" and hidden["points"] == 2
    report = alice.http.get(graded["report_url"])
    assert report.status_code == 200 and report.headers["content-security-policy"].startswith("sandbox")
    assert "Same outputs and gradients as the reference" in report.text
    page = alice.http.get(f"/h/{facts['submission']}").text
    assert "Read the full report" in page and "8 <span" in page
    assert alice.json("/a/cifar_simplecnn")[1]["left_this_hour"] == 5


def test_a_student_never_reaches_another_students_handin(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    alice, bob = Student(server.base, urls["alice"]), Student(server.base, urls["bob"])
    mine = alice.json("/a/cifar_simplecnn")[1]["handins"]
    assert mine, "alice handed in before"
    for path in (mine[0]["url"], mine[0]["url"] + "/report"):
        assert bob.http.get(path).status_code == 404
        assert bob.json(path)[0] == 404
        token = urls["bob"].rsplit("/s/", 1)[1]
        assert httpx2.get(server.base + path, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert bob.json("/a/cifar_simplecnn")[1]["handins"] == []
    assert httpx2.get(server.base + mine[0]["url"]).status_code == 401  # no cookie at all


def test_forged_csrf_and_cross_site_posts_are_refused(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    bob, before = Student(server.base, urls["bob"]), handin_count(folder)
    data = (CIFAR / "correct_attributes.py").read_bytes()
    assert bob.hand_in("cifar_simplecnn", "a.py", data, **{"X-CSRF-Token": "forged"}).status_code == 403
    assert bob.hand_in("cifar_simplecnn", "a.py", data, Origin="https://evil.example").status_code == 403
    assert bob.http.post("/a/cifar_simplecnn/handins", content=data, headers={"X-Filename": "a.py"}).status_code \
        == 403
    assert handin_count(folder) == before


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _raw_upload(base: str, cookie: str, csrf: str, declared: int, sent: bytes) -> str:
    """An upload that declares `declared` bytes and sends only `sent`, then waits: the server's first line."""
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(f"POST /a/cifar_simplecnn/handins HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {declared}"
                     f"\r\nX-Filename: up.py\r\nX-CSRF-Token: {csrf}\r\nOrigin: {base}\r\n"
                     f"Accept: application/json\r\nCookie: {cookie}\r\n\r\n".encode() + sent)
        return sock.recv(4096).decode(errors="replace").splitlines()[0]


def test_hostile_uploads_are_refused_with_why_and_nothing_stored(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    bob, before = Student(server.base, urls["bob"]), handin_count(folder)
    blobs = sorted((folder / "state" / "blobs").rglob("*"))
    cases = {
        "11 MB": ("big.py", b"#" * (11 << 20), {}, 413, "larger than the 10 MB"),
        "../": ("../../etc/passwd.py", b"x = 1\n", {}, 400, "no folders, no '..'"),
        "markup": ("<b>x</b>.py", b"x = 1\n", {}, 400, "was refused"),
        "type": ("model.exe", b"MZ", {}, 400, "takes .py, .ipynb, .zip files"),
        "empty": ("empty.py", b"", {}, 400, "is empty"),
        "1000 entries": ("many.zip", _zip({f"f{n}.py": b"x = 1\n" for n in range(1000)}), {}, 400, "1000 entries"),
        "zip bomb": ("bomb.zip", _zip({"big.py": b"#" * (80 << 20)}), {}, 400, "compression bomb"),
        "zip slip": ("slip.zip", _zip({"../../outside.py": b"x = 1\n"}), {}, 400, "'..'"),
    }
    for case, (name, data, headers, status, words) in cases.items():
        answer = bob.hand_in("cifar_simplecnn", name, data, **headers)
        assert answer.status_code == status and words in answer.json()["message"], (case, answer.text)
    cookie = "; ".join(f"{k}={v}" for k, v in bob.http.cookies.items())
    assert " 413 " in _raw_upload(server.base, cookie, bob.csrf, 1 << 30, b"x" * 1000)  # a declared 1 GB
    started = time.monotonic()
    assert " 408 " in _raw_upload(server.base, cookie, bob.csrf, 5000, b"import torch\n")  # then it stalls
    assert time.monotonic() - started < 60
    assert handin_count(folder) == before and sorted((folder / "state" / "blobs").rglob("*")) == blobs
    hostile = b'print("<script>alert(1)</script>")\n' + (CIFAR / "correct_attributes.py").read_bytes()
    graded = bob.graded(bob.hand_in("cifar_simplecnn", "x.py", hostile).json()["submission"])
    report = bob.http.get(graded["report_url"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.text and "<script>alert(1)" not in report.text


def test_late_and_locked(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    bob = Student(server.base, urls["bob"])
    answer = bob.hand_in("conceptual", "answers.md", (REPO / "assignments" / "conceptual" / "examples" / "good.md")
                         .read_bytes())
    assert answer.status_code == 202 and answer.json()["late"] == {"days": 1, "penalty": 0.1}, answer.text
    assert bob.graded(answer.json()["submission"])["status"] == "graded"
    locked = bob.hand_in("conceptual_locked", "answers.md", b"## 1a\nlate\n")
    assert locked.status_code == 403 and "locked" in locked.json()["message"]
    staff = httpx2.Client(base_url=server.base, timeout=120, follow_redirects=True)
    assert staff.get(server.staff).status_code == 200
    book = {r["student_id"]: r for r in csv.DictReader(io.StringIO(
        staff.get("/staff/exports/conceptual/gradebook.csv").text))}
    assert book["bob"]["late"] == "1 day, -10%" and book["alice"]["status"] == "not submitted"

    csrf = re.search(r'name="csrf" value="([^"]+)"', staff.get("/staff/").text).group(1)
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    for name in ("conceptual", "conceptual_locked"):
        assert staff.post("/staff/extend", data={"csrf": csrf, "student": "bob", "assignment": name, "due": later,
                                                 "reason": "medical certificate"},
                          headers={"Origin": server.base}).status_code == 200
    assert bob.json(answer.json()["url"])[1]["late"] is None  # the extension covers the earlier hand-in too
    assert bob.hand_in("conceptual_locked", "answers.md", b"## 1a\nnow on time\n").status_code == 202
    audit = staff.get("/staff/", headers={"Accept": "application/json"}).json()["audit"]
    assert [a["target"] for a in audit[:2]] == ["bob / conceptual_locked", "bob / conceptual"]
    assert "medical certificate" in audit[0]["detail"]


def test_the_seventh_handin_in_an_hour_says_when_the_next_is_possible(course: tuple[Path, Server, dict[str, str]]
                                                                       ) -> None:
    folder, server, urls = course
    carol = Student(server.base, urls["carol"])
    data = (CIFAR / "wrong_in_channels.py").read_bytes()
    six = [carol.hand_in("cifar_simplecnn", "model.py", data) for _ in range(6)]
    assert [a.status_code for a in six] == [202] * 6
    seventh = carol.hand_in("cifar_simplecnn", "model.py", data)
    assert seventh.status_code == 429 and "6 times in the last hour" in seventh.json()["message"]
    assert 3500 < int(seventh.headers["retry-after"]) <= 3601 and seventh.json()["retry_at"]
    graded = [carol.graded(a.json()["submission"]) for a in six]
    assert len({g["score"] for g in graded}) == 1 and graded[0]["score"] < STATIC_POINTS
    with sqlite3.connect(folder / "state" / "course.sqlite") as db:  # identical hand-ins: graded once
        digest = db.execute("SELECT digest FROM handins WHERE id = ?", (graded[0]["submission"],)).fetchone()[0]
        assert db.execute("SELECT COUNT(*) FROM results WHERE content_hash = ?", (digest,)).fetchone()[0] == 1
        assert db.execute("SELECT MAX(attempts) FROM handins WHERE digest = ?", (digest,)).fetchone()[0] == 1


def test_submit_from_a_notebook_and_from_the_terminal(course: tuple[Path, Server, dict[str, str]],
                                                     tmp_path: Path) -> None:
    """`submit()` in a real kernel hands the notebook in and shows its score; `grader submit --json` prints the
    facts, exits 0 when taken and 1 when refused, 2 for a link that is not the course's."""
    import nbformat
    from nbclient import NotebookClient

    folder, server, urls = course
    notebook = nbformat.read(SUBMISSIONS / "notebooks" / "correct.ipynb", as_version=4)
    handed = tmp_path / "mine.ipynb"
    nbformat.write(notebook, handed)
    notebook.cells.append(nbformat.v4.new_code_cell(
        f"from grader import submit\nfacts = submit('cifar_simplecnn', to={urls['alice']!r}, path={str(handed)!r})"))
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   skip_cells_with_tag="skip-grading").execute()
    shown = "".join(o.get("text", "") + json.dumps(o.get("data", {})) for o in notebook.cells[-1].outputs)
    assert "graded, score 8 / 8" in shown and "/report" in shown
    taken = run_cli("submit", str(CIFAR / "correct_sequential.py"), "--to", urls["alice"], "--assignment",
                    "cifar_simplecnn", "--json")
    facts = json.loads(taken.stdout)
    assert taken.returncode == 0 and facts["status"] in ("queued", "grading", "graded") and facts["url"]
    refused = run_cli("submit", str(REPO / "assignments" / "conceptual" / "examples" / "good.md"), "--to",
                      urls["alice"], "--assignment", "conceptual_locked", "--json")
    assert refused.returncode == 1 and "locked" in json.loads(refused.stdout)["message"]
    wrong = run_cli("submit", str(CIFAR / "correct_sequential.py"), "--to", server.base + "/s/nope", "--assignment",
                    "cifar_simplecnn")
    assert wrong.returncode == 2 and "not (or no longer) a personal link" in wrong.stderr


def test_killed_mid_grading_nothing_is_lost_nor_graded_twice(tmp_path: Path, needs_data: Path) -> None:
    folder = make_course(tmp_path / "course")
    server = start_server(folder)
    urls = links(folder, server.base)
    alice, bob = Student(server.base, urls["alice"]), Student(server.base, urls["bob"])
    done = alice.graded(alice.hand_in("cifar_simplecnn", "a.py", (CIFAR / "correct_attributes.py").read_bytes())
                        .json()["submission"])
    slow = b"import time\ntime.sleep(8)\n" + (CIFAR / "correct_sequential.py").read_bytes()
    caught = bob.hand_in("cifar_simplecnn", "slow.py", slow).json()["submission"]
    deadline = time.monotonic() + 120
    while bob.json(f"/h/{caught}")[1]["status"] != "grading" and time.monotonic() < deadline:
        time.sleep(0.2)
    stop(server, signal.SIGKILL)
    server = start_server(folder)
    try:
        bob = Student(server.base, urls["bob"])
        assert bob.graded(caught)["score"] == STATIC_POINTS
        store = CourseStore(folder / "state")
        try:
            rows = {h.id: h for h in store.handins("cifar_simplecnn")}
        finally:
            store.close()
        assert rows[caught].attempts == 2 and rows[done["submission"]].attempts == 1  # not graded again
        assert len(rows) == 2
    finally:
        stop(server)


def test_release_shows_the_hidden_results(course: tuple[Path, Server, dict[str, str]]) -> None:
    folder, server, urls = course
    alice = Student(server.base, urls["alice"])
    handin = alice.json("/a/cifar_simplecnn")[1]["handins"][0]
    staff = httpx2.Client(base_url=server.base, timeout=120, follow_redirects=True)
    assert staff.get(server.staff).status_code == 200
    overview = staff.get("/staff/", headers={"Accept": "application/json"}).json()
    assert [a["released"] for a in overview["assignments"]] == ["", "", ""]
    page = staff.get("/staff/a/cifar_simplecnn/").text
    assert "Alice A." in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert staff.post("/staff/a/cifar_simplecnn/release", data={"csrf": csrf},
                      headers={"Origin": server.base}).status_code == 200
    facts = alice.json(handin["url"])[1]
    hidden = next(c for c in facts["checks"] if c["hidden"])
    assert facts["released"] and hidden["found"] != "hidden check: details are not shown"
    assert json.loads(json.dumps(staff.get("/staff/", headers={"Accept": "application/json"}).json())
                      )["assignments"][0]["released"]


def test_wrong_links_are_rate_limited(course: tuple[Path, Server, dict[str, str]]) -> None:
    """Last of the module's server: its client address is limited for a minute afterwards."""
    folder, server, urls = course
    wrong = [httpx2.get(f"{server.base}/s/not-a-token-{n}", follow_redirects=False).status_code for n in range(25)]
    first = wrong.index(429)
    assert 15 <= first <= 20 and set(wrong[:first]) == {404} and set(wrong[first:]) == {429}, wrong
    limited = httpx2.get(f"{server.base}/s/another", headers={"Accept": "application/json"})
    assert "too many wrong links" in limited.json()["message"]
    assert httpx2.get(urls["alice"], follow_redirects=False).status_code == 303  # a right link still opens


def test_the_queue_is_fair(tmp_path: Path) -> None:
    """At most one hand-in of a student grading at a time, every first hand-in before any resubmission, then the
    student served longest ago, and a content being graded is not claimed twice."""
    store = CourseStore(tmp_path)
    store.sync_roster([("ann", "Ann"), ("ben", "Ben"), ("cat", "Cat")])
    at = iter(f"2026-12-06T10:00:{s:02d}.000000+00:00" for s in range(60))
    for student, digest in [("ann", "a1"), ("ann", "a2"), ("ann", "a3"), ("ben", "b1"), ("cat", "same"),
                            ("ben", "same")]:
        store.add_handin(student, "x", next(at), "f.py", 1, digest, 0, 0.0)
    first = store.claim(next(at))
    assert (first.student, first.digest) == ("ann", "a1")
    second = store.claim(next(at))
    assert (second.student, second.digest) == ("ben", "b1")  # ann is grading; ben's first hand-in is next
    third = store.claim(next(at))
    assert (third.student, third.digest) == ("cat", "same") and store.claim(next(at)) is None  # ben's "same": cat's
    store.finish(first, "key", None, next(at))
    assert store.claim(next(at)).digest == "a2"  # ann again: the only one whose turn it can be
    store.finish(second, "key", None, next(at))
    store.finish(third, "key", None, next(at))
    assert store.claim(next(at)).digest == "same"  # ben's, after cat's same content was graded
    assert store.requeue_interrupted() == 2 and {h.status.value for h in store.handins("x")} == {"queued", "graded"}
    store.close()


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"'), ["top level, line 3", "Europe/Berlin"]),
    (lambda t: t.replace('counts = "last"', 'counts = "first"'),
     ["assignment #1 (assignments/cifar_simplecnn), line 12", "last or best"]),
    (lambda t: t.replace("late_penalty_per_day = 0.10", "late_penalty_per_day = 2", 1), ["line 10", "within 0..1"]),
    (lambda t: t.replace('name = "conceptual"', 'name = "no_such_thing"'), ["assignment #2", "no assignment"]),
    (lambda t: t + "colour = 1\n", ["unknown key 'colour'"]),
])
def test_a_malformed_course_is_one_clear_message(tmp_path: Path, edit, words: list[str]) -> None:  # noqa: ANN001
    folder = make_course(tmp_path / "course")
    (folder / "course.toml").write_text(edit((folder / "course.toml").read_text()))
    proc = run_cli("course", "links", str(folder), "--base-url", "https://x")
    assert proc.returncode == 2 and "course.toml: " in proc.stderr, proc.stderr
    assert all(w in proc.stderr for w in words), proc.stderr
