"""`grader serve` through Starlette's test client, on a real `conceptual` batch: the token, the cookie, CSRF,
cross-site and oversized posts are refused; a hostile name and answer are escaped; answers graded by rubric,
an override with its reason and an edited rubric item reach the gradebook, Canvas CSV and reports only once
released; a second edit from a stale page is refused; and (a real server process) killing it mid-edit and
starting it again loses no saved grade, with the audit table telling the story."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from conftest import REPO, SUBMISSIONS, run_cli
from starlette.testclient import TestClient

from grader.classroom.batch import BatchOptions
from grader.classroom.written_batch import run_written_batch
from grader.serve.app import create_app
from grader.serve.gate import MAX_FORM_BYTES, Secrets
from grader.serve.workspace import student_key
from grader.spec import load_written

CONCEPTUAL = REPO / "assignments" / "conceptual"
HOSTILE = "<script>alert('name')</script>"
BASE = "http://127.0.0.1:8765"


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """A graded conceptual class: alice (good answers), bob (partial), and a student whose roster name and
    answer are script tags."""
    handins = tmp_path / "in"
    handins.mkdir()
    (handins / "alice.md").write_bytes((CONCEPTUAL / "examples" / "good.md").read_bytes())
    (handins / "bob.md").write_bytes((CONCEPTUAL / "examples" / "partial.md").read_bytes())
    (handins / "mallory.md").write_text("## 1a\n<script>alert('answer')</script> convolution slides a kernel\n")
    roster = tmp_path / "roster.csv"
    roster.write_text(f'id,name\nalice,Alice\nbob,Bob\nmallory,"{HOSTILE}"\n')
    out = tmp_path / "out"
    run_written_batch(load_written(CONCEPTUAL / "assignment.toml"), handins, out, BatchOptions(roster=roster))
    return out


def _client(out: Path, keys: Secrets) -> TestClient:
    client = TestClient(create_app(out, who="tester", keys=keys), base_url=BASE)
    assert client.get(f"/?token={keys.token}", follow_redirects=False).status_code == 303
    return client


def _grade(client: TestClient, keys: Secrets, question: str, student: str, items: list[str], version: int | str = 0,
           comment: str = "") -> httpx2.Response:
    return client.post(f"/grade/{question}/{student_key(student)}", follow_redirects=False,
                       data={"csrf": keys.csrf, "version": str(version), "item": items, "comment": comment})


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    return {r["student_id"]: r for r in csv.DictReader((out / "gradebook.csv").open())}


def test_a_batch_whose_written_spec_is_gone_is_not_served(batch: Path) -> None:
    """Its rubric counts the manual points: serving without it would export them as zero."""
    data = json.loads((batch / "class.json").read_text())
    data["exports"]["assignment_spec"] = str(batch / "moved" / "assignment.toml")
    (batch / "class.json").write_text(json.dumps(data))
    with pytest.raises(FileNotFoundError, match="is not there any more"):
        create_app(batch)
    proc = subprocess.run([sys.executable, "-m", "grader", "serve", str(batch)], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert proc.returncode == 2 and "put it back or run the batch again" in proc.stderr


def test_only_the_printed_url_opens_it(batch: Path) -> None:
    keys = Secrets()
    client = TestClient(create_app(batch, keys=keys), base_url=BASE)
    assert client.get("/").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    opened = client.get(f"/grade/1a?token={keys.token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/grade/1a"
    assert "HttpOnly" in opened.headers["set-cookie"] and "SameSite=strict" in opened.headers["set-cookie"]
    assert opened.headers["set-cookie"].startswith(keys.cookie + "=")
    assert client.get("/").status_code == 200
    other = Secrets()
    stranger = TestClient(create_app(batch, keys=other), base_url=BASE)
    stranger.cookies.set(other.cookie, keys.token)
    assert stranger.get("/").status_code == 403
    report = client.get(f"/student/{student_key('alice')}/report")
    assert report.status_code == 200 and report.headers["content-security-policy"] == "sandbox"
    assert 'href="students/alice/instructor.html"' in client.get("/summary").text
    assert client.get("/students/alice/instructor.html").status_code == 200  # the summary's link, in the workspace
    for elsewhere in ("/students/alice/report.html", "/students/..%2Fclass.json/x", "/students/alice/../../x"):
        assert client.get(elsewhere).status_code == 404


def test_forged_cross_site_and_oversized_posts_are_refused(batch: Path) -> None:
    keys = Secrets()
    client = _client(batch, keys)
    target = f"/grade/1a/{student_key('alice')}"
    assert client.post(target, data={"version": "0", "item": "sliding"}).status_code == 403
    assert client.post(target, data={"csrf": "guess", "version": "0"}).status_code == 403
    assert client.post(target, data={"csrf": keys.csrf, "version": "0"},
                       headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post(target, data={"csrf": keys.csrf, "version": "0"},
                       headers={"sec-fetch-site": "cross-site"}).status_code == 403
    ten_mb = {"csrf": keys.csrf, "version": "0", "comment": "x" * (10 << 20)}
    assert client.post(target, data=ten_mb).status_code == 413

    def chunks():  # no Content-Length: the limit holds on the bytes actually sent
        yield f"csrf={keys.csrf}&comment=".encode()
        for _ in range(MAX_FORM_BYTES // 4096 + 2):
            yield b"y" * 4096
    assert client.post(target, content=chunks(),
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413
    assert client.get("/audit").text.count("<tr>") == 1  # the header row: nothing was saved


def test_a_hostile_name_and_answer_are_shown_as_text(batch: Path) -> None:
    client = _client(batch, keys := Secrets())
    pages = [client.get("/").text, client.get(f"/grade/1a/{student_key('mallory')}").text,
             client.get(f"/student/{student_key('mallory')}").text]
    for page in pages:
        assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert keys.csrf in pages[1]
    assert "What was handed in" in pages[2] and "mallory.md" in pages[2] and "slides a kernel" in pages[2]


def test_graded_overridden_and_edited_work_reaches_the_exports_only_once_released(batch: Path) -> None:
    keys = Secrets()
    client = _client(batch, keys)
    first = client.get("/grade/1a", follow_redirects=False).headers["location"]
    assert first.startswith("/grade/1a/")
    assert _grade(client, keys, "1a", "alice", ["sliding", "patterns", "shared", "hierarchy"]).status_code == 303
    assert _grade(client, keys, "1d", "alice", ["nonlinear", "gradient"], comment="Good.").status_code == 303
    assert _grade(client, keys, "1a", "bob", ["sliding", "wrong_fully_connected"]).status_code == 303
    stale = _grade(client, keys, "1a", "bob", ["sliding", "patterns"])
    assert stale.status_code == 409 and "graded again since this page was loaded" in stale.text
    refused = client.post(f"/override/{student_key('alice')}/1c", data={"csrf": keys.csrf, "points": "2"})
    assert refused.status_code == 400 and "a reason is required" in refused.text
    for points in ("9", "nan", "inf"):
        assert client.post(f"/override/{student_key('alice')}/1c", data={"csrf": keys.csrf, "points": points,
                                                                         "reason": "x"}).status_code == 400
    assert _grade(client, keys, "1c", "alice", ["max"], version="abc").status_code == 400
    assert client.post(f"/override/{student_key('alice')}/1c", follow_redirects=False, data={
        "csrf": keys.csrf, "points": "2.5", "reason": "graded on paper"}).status_code == 303
    assert _gradebook(batch)["alice"]["total"] == "0"  # nothing leaks before the release
    assert "graded on paper" not in (batch / "students" / "alice" / "report.html").read_text()

    assert client.post("/release", data={"csrf": keys.csrf}).status_code == 200
    book = _gradebook(batch)
    assert book["alice"]["total"] == "8.5" and book["bob"]["total"] == "0"  # 4 + 2 + 2.5; bob: 1 - 1
    canvas = (batch / "canvas-grades.csv").read_text()
    assert re.search(r"Alice,alice,,,,8\.5", canvas), canvas
    report = (batch / "students" / "alice" / "report.html").read_text()
    assert "graded on paper" in report and "Good." in report

    assert client.post("/rubric/1a/shared", follow_redirects=False, data={
        "csrf": keys.csrf, "points": "2", "description": "Weights shared across positions"}).status_code == 303
    assert _gradebook(batch)["alice"]["total"] == "8.5"  # 1a is capped at its 4 points
    assert client.post("/rubric/1d/gradient", data={"csrf": keys.csrf, "points": "1.5",
                                                    "description": "No vanishing gradient"}).status_code == 200
    assert _gradebook(batch)["alice"]["total"] == "9"
    audit = client.get("/audit").text
    for words in ("rubric item", "release", "override", "graded on paper", "tester"):
        assert words in audit


def test_a_written_hand_in_regraded_is_read_again_and_keeps_its_rubric_marks(batch: Path, tmp_path: Path) -> None:
    keys = Secrets()
    client = _client(batch, keys)
    assert _grade(client, keys, "1a", "mallory", ["sliding"]).status_code == 303
    (tmp_path / "in" / "mallory.md").write_text((CONCEPTUAL / "examples" / "partial.md").read_text())
    assert client.post("/regrade", follow_redirects=False, data={
        "csrf": keys.csrf, "student": [student_key("mallory")]}).status_code == 303
    deadline = time.monotonic() + 60
    while not (status := client.get("/regrade/status").json())["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status["done"] == 1 and not status["errors"], status
    audit = client.get("/audit").text
    assert "answers read again: 2 of 4 answered; rubric marks kept" in audit, audit
    assert re.search(r'value="sliding" data-key="\d" checked', client.get(f"/grade/1a/{student_key('mallory')}").text)
    assert "the best activation function" in client.get(f"/grade/1d/{student_key('mallory')}").text


def test_killed_mid_edit_and_started_again_nothing_saved_is_lost(batch: Path) -> None:
    def start() -> tuple[subprocess.Popen, str]:
        proc = subprocess.Popen([sys.executable, "-m", "grader", "serve", str(batch), "--port", "0"], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        for line in proc.stdout:
            if line.startswith("open: "):
                return proc, line.split("open: ", 1)[1].strip()
        raise AssertionError(proc.stderr.read())

    proc, url = start()
    try:
        with httpx2.Client(base_url=url.split("/?")[0], follow_redirects=True, timeout=30) as browser:
            browser.get(url)
            page = browser.get(f"/grade/1b/{student_key('alice')}").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            saved = browser.post(f"/grade/1b/{student_key('alice')}", data={
                "csrf": csrf, "version": "0", "item": ["preserve_size", "edges"], "comment": "kept"})
            assert saved.status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    proc, url = start()
    try:
        with httpx2.Client(base_url=url.split("/?")[0], follow_redirects=True, timeout=30) as browser:
            browser.get(url)
            page = browser.get(f"/grade/1b/{student_key('alice')}").text
            assert re.search(r'value="preserve_size" data-key="1" checked', page) and "kept" in page
            assert browser.get("/audit").text.count("alice / 1b") == 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


def test_regrade_one_student_from_the_page(tmp_path: Path, needs_data: Path) -> None:
    """A code assignment's batch; bob hands in a fixed file; regrading him from the page grades it in the sandbox
    with the batch's options, while alice keeps her result, and the gradebook and audit table follow."""
    handins = tmp_path / "in"
    handins.mkdir()
    shutil.copy(SUBMISSIONS / "cifar_simplecnn" / "correct_attributes.py", handins / "alice.py")
    shutil.copy(SUBMISSIONS / "cifar_simplecnn" / "wrong_num_classes.py", handins / "bob.py")
    out = tmp_path / "out"
    proc = run_cli("batch", "cifar_simplecnn", str(handins), "--out", str(out), "--jobs", "2", "--only",
                   "output_shape,architecture")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _gradebook(out)["bob"]["total"] == "0" and _gradebook(out)["alice"]["total"] == "4"
    alice_graded_at = json.loads((out / "students" / "alice" / "results.json").read_text())["extra_data"]
    shutil.copy(SUBMISSIONS / "cifar_simplecnn" / "correct_sequential.py", handins / "bob.py")

    keys = Secrets()
    client = _client(out, keys)
    started = client.post("/regrade", follow_redirects=False, data={"csrf": keys.csrf, "student": [student_key("bob")]})
    assert started.status_code == 303 and started.headers["location"] == "/regrade"
    deadline = time.monotonic() + 300
    while not (status := client.get("/regrade/status").json())["finished"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert status["finished"] and status["done"] == 1 and not status["errors"], status
    assert "Finished: 1 of 1 regraded" in client.get("/regrade").text
    book = _gradebook(out)
    assert book["bob"]["total"] == "4" and book["alice"]["total"] == "4"
    assert json.loads((out / "students" / "alice" / "results.json").read_text())["extra_data"] == alice_graded_at
    audit = client.get("/audit").text
    assert "regrade" in audit and "4 of 4" in audit
    assert client.post("/regrade", data={"csrf": keys.csrf}).status_code == 400
