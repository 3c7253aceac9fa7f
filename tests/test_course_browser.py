"""The course server in a real browser (Chromium through Playwright, a real `grader course serve` process): a
student opens their link, hands in a notebook from the page, watches it in the queue and reads the report; the
staff release the assignment in its workspace; the student then sees the hidden results. On a phone-sized
screen the pages need no sideways scrolling. Screenshots go to $COURSE_SCREENSHOTS when it is set."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from test_course import links, make_course, start_server, stop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (Debian: apt-get install chromium)")


def test_hand_in_a_notebook_watch_it_read_it_and_see_the_release(tmp_path: Path, needs_data: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    folder = make_course(tmp_path / "course")
    server = start_server(folder)
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    notebook = tmp_path / "my_solution.ipynb"
    shutil.copy(REPO / "tests" / "submissions" / "notebooks" / "correct.ipynb", notebook)
    try:
        link = links(folder, server.base)["alice"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            student = browser.new_page()
            student.goto(link)
            expect(student.get_by_role("heading", name="Your assignments")).to_be_visible()
            student.screenshot(path=shots / "student-assignments.png", full_page=True)
            student.get_by_role("link", name="SimpleCNN for CIFAR-10 (3 input channels)").click()
            expect(student.get_by_text("6 of 6 hand-ins left")).to_be_visible()
            student.get_by_label("Drop your .py, .ipynb or .zip file here, or choose it").set_input_files(notebook)
            student.get_by_role("button", name="Hand in").click()
            expect(student.get_by_role("heading", name="Hand-in 1")).to_be_visible()
            expect(student.locator("#state")).to_contain_text("graded", timeout=240_000)
            expect(student.get_by_text("8 / 8")).to_be_visible()
            student.screenshot(path=shots / "student-handin.png", full_page=True)
            student.get_by_role("link", name="Read the full report").click()
            expect(student.get_by_text("hidden check: details are not shown")).to_be_visible()

            staff = browser.new_page()
            staff.goto(server.staff)
            expect(staff.get_by_role("heading", name="Deep learning, test term: staff")).to_be_visible()
            staff.screenshot(path=shots / "staff.png", full_page=True)
            staff.get_by_role("link", name="SimpleCNN for CIFAR-10 (3 input channels)").click()
            staff.get_by_role("button", name="Release the grades to the students").click()
            expect(staff.get_by_role("status")).to_contain_text("Released")
            staff.screenshot(path=shots / "staff-workspace.png", full_page=True)

            student.go_back()
            student.reload()
            expect(student.get_by_text("Hidden checks show their name and points only")).to_have_count(0)
            student.get_by_role("link", name="Read the full report").click()
            expect(student.get_by_text("hidden check: details are not shown")).to_have_count(0)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.goto(link)
            phone.goto(server.base + "/a/cifar_simplecnn")
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            phone.screenshot(path=shots / "student-phone.png", full_page=True)
            browser.close()
    finally:
        stop(server)
