"""A deadline rush on the course server, on this machine: N students with personal links hand in 2-3 times each
(distinct files from the test corpus, correct and wrong) over a compressed rush, through the real server process
over HTTP, while other students keep reading their pages. The non-training checks of cifar_simplecnn, graded
`--jobs` at a time in the real sandbox.

Prints, and writes as JSON with --out: hand-ins accepted and refused, lost (accepted, then not in the database
or never graded; must be 0), graded twice (must be 0), misgraded (a correct file short of full marks, or a wrong
one at full marks; must be 0), page latency p50/p95 while the queue is full (target p95
under 300 ms), time from hand-in to feedback p50/p95, and fairness: the shortest and longest wait of a first
hand-in, and how many first hand-ins waited behind another student's resubmission that came later (must be 0).

    python benchmarks/course_load.py [--students 300] [--rush 120] [--jobs 2] [--out results.json]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import hashlib
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_course import Server, Student, links, make_course, start_server, stop  # noqa: E402

CORPUS = REPO / "tests" / "submissions" / "cifar_simplecnn"
KINDS = ["correct_attributes", "correct_sequential", "wrong_num_classes", "wrong_in_channels", "forward_raises",
         "nan_output", "syntax_error", "missing_class"]


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _plan(students: list[str], rush: float, rng: random.Random) -> list[tuple[float, str, str, bytes]]:
    """(seconds into the rush, student, kind, file) for 2-3 hand-ins each (the last one correct), more of them as
    the deadline nears."""
    plan = []
    for student in students:
        times = sorted(rush * (1 - rng.random() ** 2) for _ in range(rng.choice((2, 3))))
        for n, at in enumerate(times):
            kind = KINDS[rng.randrange(len(KINDS))] if n < len(times) - 1 else rng.choice(KINDS[:2])
            data = f"# {student}, hand-in {n}\n".encode() + (CORPUS / f"{kind}.py").read_bytes()
            plan.append((at, student, kind, data))
    return sorted(plan, key=lambda p: p[0])


def _misgraded(db: sqlite3.Connection, plan: list[tuple[float, str, str, bytes]]) -> int:
    """Hand-ins whose score is not what their kind earns (a correct model full marks, any other less)."""
    kinds = {hashlib.sha256(data).hexdigest(): kind for *_, kind, data in plan}
    wrong = 0
    for digest, score, max_score in db.execute("SELECT content_hash, score, max_score FROM results"):
        correct = kinds[digest].startswith("correct")
        wrong += (score == max_score) != correct or not max_score
    return wrong


class Readers(threading.Thread):
    """Students reading their pages (the assignment's JSON and HTML) the whole time; latency of each read."""

    def __init__(self, server: Server, readers: list[Student]) -> None:
        super().__init__(daemon=True)
        self.readers, self.latencies, self.stopping = readers, [], False

    def run(self) -> None:
        rng = random.Random(1)
        while not self.stopping:
            reader = rng.choice(self.readers)
            start = time.perf_counter()
            if rng.random() < 0.5:
                reader.json("/a/cifar_simplecnn")
            else:
                reader.http.get("/")
            self.latencies.append(time.perf_counter() - start)
            time.sleep(0.05)


def _hand_in(student: Student, data: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    answer = student.hand_in("cifar_simplecnn", "solution.py", data)
    return answer.status_code, time.perf_counter() - start


def _fairness(db: sqlite3.Connection) -> dict[str, float]:
    rows = db.execute("SELECT id, student, first, received_at, started_at, finished_at FROM handins "
                      "WHERE assignment = 'cifar_simplecnn'").fetchall()
    moment = dt.datetime.fromisoformat
    waits = [(moment(s) - moment(r)).total_seconds() for _, _, first, r, s, _ in rows if first]
    behind = sum(1 for _, st, first, r, s, _ in rows if first for _, st2, first2, r2, s2, _ in rows
                 if not first2 and st2 != st and r < r2 and moment(s2) < moment(s) and r2 < s)
    feedback = [(moment(f) - moment(r)).total_seconds() for *_, r, s, f in rows if f]
    return {"first_wait_min_s": round(min(waits), 2), "first_wait_max_s": round(max(waits), 2),
            "first_behind_later_resubmission": behind, "feedback_p50_s": round(_percentile(feedback, .5), 2),
            "feedback_p95_s": round(_percentile(feedback, .95), 2)}


def run(students: int, rush: float, jobs: int) -> dict[str, object]:
    rng = random.Random(0)
    folder = make_course(Path(tempfile.mkdtemp(prefix="cnn-grader-course-load-")) / "course", per_hour=3,
                         students=students)
    server = start_server(folder, jobs)
    try:
        urls = links(folder, server.base)
        ids = [s for s in urls if s.startswith("s")][:students]
        sessions = {s: Student(server.base, urls[s]) for s in ids}
        readers = Readers(server, list(sessions.values())[:20])
        plan = _plan(ids, rush, rng)
        readers.start()
        started, statuses, upload = time.monotonic(), [], []
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            futures = []
            for at, student, _, data in plan:
                time.sleep(max(0.0, started + at - time.monotonic()))
                futures.append(pool.submit(_hand_in, sessions[student], data))
            for future in futures:
                status, seconds = future.result()
                statuses.append(status)
                upload.append(seconds)
        accepted = statuses.count(202)
        db = sqlite3.connect(folder / "state" / "course.sqlite")
        deadline = time.monotonic() + 3600
        while db.execute("SELECT COUNT(*) FROM handins WHERE status IN ('queued', 'grading')").fetchone()[0] and \
                time.monotonic() < deadline:
            time.sleep(1)
        drained = time.monotonic() - started
        readers.stopping = True
        stored = db.execute("SELECT COUNT(*), SUM(status = 'graded'), SUM(attempts > 1) FROM handins").fetchone()
        figures = {"students": students, "handins_sent": len(plan), "accepted": accepted,
                   "refused": len(plan) - accepted, "refused_by_status": {str(s): statuses.count(s) for s in
                                                                          set(statuses) if s != 202},
                   "lost": accepted - (stored[1] or 0), "graded_twice": stored[2] or 0,
                   "misgraded": _misgraded(db, plan),
                   "rush_s": rush, "drained_s": round(drained, 1), "jobs": jobs,
                   "upload_p95_s": round(_percentile(upload, .95), 3),
                   "page_reads": len(readers.latencies),
                   "page_p50_ms": round(1000 * _percentile(readers.latencies, .5), 1),
                   "page_p95_ms": round(1000 * _percentile(readers.latencies, .95), 1), **_fairness(db)}
        db.close()
        return figures
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--rush", type=float, default=120.0, help="seconds over which the hand-ins come")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    figures = run(args.students, args.rush, args.jobs)
    print(json.dumps(figures, indent=2))
    ok = figures["lost"] == 0 and figures["graded_twice"] == 0 and figures["misgraded"] == 0 and \
        figures["first_behind_later_resubmission"] == 0
    print("targets: 0 lost, 0 graded twice, page p95 < 300 ms, no first hand-in behind a later resubmission: "
          + ("met" if ok and figures["page_p95_ms"] < 300 else "NOT met"))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
