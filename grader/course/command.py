"""`grader course links COURSE --base-url URL` (each student's personal link, CSV on stdout) and `grader course
serve COURSE` (the course server: students hand in and read their feedback, the staff grade and release)."""
from __future__ import annotations

import csv
import getpass
import sys
from contextlib import ExitStack
from pathlib import Path

import click

from grader.api import resolve_device
from grader.classroom.batch import default_jobs
from grader.cli.support import common_options, errors, grade_options, user_errors
from grader.course.classes import StaffClasses
from grader.course.config import load_course
from grader.course.gate import StudentGate, digest, new_token
from grader.course.pages import CourseSite
from grader.course.queue import Graders, GradingService
from grader.course.store import CourseStore
from grader.course.web import create_course_app
from grader.execute.executor import (
    ClusterError,
    ExecutorFactory,
    OneOffChild,
    local_pool,
)
from grader.execute.sandbox import detect
from grader.serve.command import listen, serve_app
from grader.serve.gate import Secrets

STATE = "state"
"""The server's state in a course folder: the database, the hand-ins' bytes, each assignment's batch folder."""


def _store(folder: Path) -> CourseStore:
    course = load_course(folder)
    store = CourseStore(folder / STATE)
    store.sync_roster([(s.id, s.name) for s in course.roster])
    return store


@click.group()
def course() -> None:
    """A course server: students hand in through personal links and read their feedback; see the README."""


@course.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--base-url", required=True, help="The address students reach the server at, e.g. https://grader.example.edu")
@click.option("--rotate", multiple=True, metavar="ID",
              help="Give this student (or 'all') a new link; the old one stops working. Repeatable.")
def links(folder: Path, base_url: str, rotate: tuple[str, ...]) -> None:
    """Write id,name,url for every student who gets a new link (CSV on stdout). A link is made once: only its
    hash is kept, so a student who already has one is listed again only with --rotate."""
    with user_errors():
        course_ = load_course(folder)
        store = _store(folder)
        try:
            known = store.tokens()
            unknown = [r for r in rotate if r != "all" and course_.student(r) is None]
            if unknown:
                raise click.UsageError(f"not on the roster: {', '.join(unknown)}")
            writer = csv.writer(sys.stdout)
            writer.writerow(["id", "name", "url"])
            kept = 0
            for student in course_.roster:
                if known.get(student.id) and "all" not in rotate and student.id not in rotate:
                    kept += 1
                    continue
                token = new_token()
                store.set_token(student.id, digest(token))
                store.end_sessions(student.id)
                writer.writerow([student.id, student.name, f"{base_url.rstrip('/')}/s/{token}"])
        finally:
            store.close()
    if kept:
        errors.print(f"{kept} student(s) already have a link and were not listed (--rotate ID or --rotate all gives "
                     "new ones)", highlight=False)


@course.command(name="serve")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (put a TLS reverse proxy in front for students: see the README).")
@click.option("--port", default=8766, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Hand-ins graded at once [default: one per core, at most 8, or 12 on a GPU].")
@click.option("--cluster", default=None, metavar="WHERE", help="Grade on a Dask cluster (as `grader batch`).")
@click.option("--cluster-config", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None)
@click.option("--who", default="", help="Name recorded in the audit tables [default: your user name].")
@click.option("--trusted-proxy", default="", metavar="IP",
              help="The reverse proxy's address: trust its X-Forwarded-For and X-Forwarded-Proto.")
@common_options
def serve(folder: Path, host: str, port: int, jobs: int | None, cluster: str | None, cluster_config: Path | None,
          who: str, trusted_proxy: str, **common: object) -> None:
    """Serve the course in FOLDER: students at /, staff at the link printed. Ctrl-C stops it; nothing accepted is
    lost, and a hand-in caught mid-grading is graded again at the next start."""
    options = grade_options(**common)
    with user_errors(ClusterError), ExitStack() as stack:
        course_ = load_course(folder)
        store = _store(folder)
        stack.callback(store.close)
        executors = None
        if cluster:
            from grader.execute.cluster import (
                DaskCluster,  # Dask is an optional dependency
            )

            pool = stack.enter_context(DaskCluster(cluster, isolation=options.isolation, workers=jobs or 2,
                                                   config=cluster_config))
            jobs, executors = pool.slots, pool.executor
        jobs = jobs or default_jobs(resolve_device(options.device))
        graders = Graders.prepare(course_, options, jobs)
        classes = StaffClasses(course_, store, graders, options, folder / STATE / "staff")
        service = GradingService(store, graders, jobs, executors or _local(graders),
                                 on_graded=lambda handin: classes.changed(handin.assignment))
        keys = Secrets()
        site = CourseSite(course_, store, StudentGate(store, keys.cookie + "_student"), classes, service, jobs)
        app = create_course_app(site, keys, who or getpass.getuser())
        sock, address = listen(host, port, "students hand in here; put a TLS reverse proxy in front (README)")
        service.start()
        stack.callback(service.stop)
        click.echo(f"cnn-grader course server for {course_.name} ({len(course_.roster)} students, "
                   f"{len(course_.assignments)} assignments, {jobs} grading job(s))\nstudents: {address}/s/<token> "
                   f"(grader course links)\nstaff: {address}/staff/?token={keys.token}")
        sys.stdout.flush()
        serve_app(app, sock, trusted_proxy)


def _local(graders: Graders) -> ExecutorFactory:
    """The local pool of sandboxed fork servers (a course of written assignments only needs none: its answers
    are read as text)."""
    sandbox = next((g.sandbox for g in graders.code.values()), None)
    return local_pool(sandbox, fork_server=True) if sandbox else lambda slot: OneOffChild(detect("basic"))
