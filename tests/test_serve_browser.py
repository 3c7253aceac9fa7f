"""The workspace in a real browser (Chromium through Playwright, a real `grader serve` process): open the
printed URL, grade a written answer with the keyboard (1-9 toggle rubric items, Enter saves and opens the next
ungraded answer), override a score with its reason, release, and read the gradebook afterwards. Screenshots of
each view go to $SERVE_SCREENSHOTS when it is set."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from grader.classroom.batch import BatchOptions
from grader.classroom.written_batch import run_written_batch
from grader.spec import load_written

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (Debian: apt-get install chromium)")
CONCEPTUAL = REPO / "assignments" / "conceptual"


def test_grade_with_the_keyboard_override_release_and_read_the_gradebook(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    handins = tmp_path / "in"
    handins.mkdir()
    (handins / "alice.md").write_bytes((CONCEPTUAL / "examples" / "good.md").read_bytes())
    (handins / "bob.md").write_bytes((CONCEPTUAL / "examples" / "partial.md").read_bytes())
    out = tmp_path / "out"
    run_written_batch(load_written(CONCEPTUAL / "assignment.toml"), handins, out, BatchOptions())
    shots = Path(os.environ.get("SERVE_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([sys.executable, "-m", "grader", "serve", str(out), "--port", "0"], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        url = next(line.split("open: ", 1)[1].strip() for line in server.stdout if line.startswith("open: "))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(url)
            expect(page.get_by_role("heading", name="Students")).to_be_visible()
            page.screenshot(path=shots / "class.png", full_page=True)

            page.get_by_role("link", name="1a. Explain how convolution helps in feature extraction.").click()
            expect(page.locator("#answer")).to_be_visible()
            first = page.url
            page.keyboard.press("1")
            page.keyboard.press("2")
            expect(page.locator('input[data-key="1"]')).to_be_checked()
            expect(page.locator('input[data-key="2"]')).to_be_checked()
            page.screenshot(path=shots / "answer.png", full_page=True)
            page.keyboard.press("Enter")
            expect(page.get_by_role("status")).to_have_text("Saved.")
            assert page.url != first  # the next ungraded answer
            page.keyboard.press("1")
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="1a. Explain how convolution helps in feature extraction."))\
                .to_be_visible()
            expect(page.get_by_text("Every one of the 2 answers is graded.")).to_be_visible()

            page.goto(url.split("/?")[0] + "/")
            page.get_by_role("link", name="alice").first.click()
            page.get_by_label("points for 1b").fill("3")
            page.get_by_label("reason for 1b").fill("answered in the lab")
            page.get_by_label("reason for 1b").press("Enter")
            expect(page.get_by_role("status")).to_have_text("Override saved.")
            page.screenshot(path=shots / "student.png", full_page=True)

            page.goto(url.split("/?")[0] + "/")
            page.get_by_role("button", name="Release the grades to the students").click()
            expect(page.get_by_role("status")).to_contain_text("Released")
            page.goto(url.split("/?")[0] + "/audit")
            expect(page.get_by_role("cell", name="answered in the lab")).to_be_visible()
            page.screenshot(path=shots / "audit.png", full_page=True)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    book = {r["student_id"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert float(book["alice"]["total"]) + float(book["bob"]["total"]) == 2 + 1 + 3
