"""The batch's SQLite database: one row per graded content, keyed by what was graded and how.

A result is stored under (content hash of the hand-in, grading key), where the grading key digests
the spec, the reference's recorded measurements, the options that change results and the grader's
version. Each result is committed in its own transaction as soon as it is known, so a batch killed
at any moment (even with SIGKILL) loses at most the submissions being graded, and a re-run finds
every committed result and grades only the rest. The primary key makes duplicates impossible.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from grader.results import SubmissionResult, result_from_dict, result_to_dict

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    content_hash TEXT NOT NULL,
    grading_key TEXT NOT NULL,
    result TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    seconds REAL NOT NULL,
    graded_at TEXT NOT NULL,
    PRIMARY KEY (content_hash, grading_key)
);
"""


class StoreError(RuntimeError):
    """The database cannot be used (another schema, corrupt file)."""


def content_hash(path: Path) -> str:
    """SHA-256 of a hand-in: a file's bytes, or a folder's relative paths and bytes (sorted)."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    for file in files:
        digest.update(str(file.relative_to(path) if file != path else file.suffix).encode() + b"\0")
        with open(file, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


class Store:
    """Results of a batch, safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            found = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a usable grader database ({exc}); move it away or use another --out") from None
        if found is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif found[0] != str(SCHEMA_VERSION):
            raise StoreError(f"{path}: written by another version of the grader (schema {found[0]}, "
                             f"this one reads {SCHEMA_VERSION}); use another --out")
        self._lock = threading.Lock()

    def get(self, content: str, key: str) -> SubmissionResult | None:
        with self._lock:
            row = self._db.execute("SELECT result FROM results WHERE content_hash = ? AND grading_key = ?",
                                   (content, key)).fetchone()
        return result_from_dict(json.loads(row[0])) if row else None

    def contents(self, key: str) -> set[str]:
        """Content hashes with a result under `key`."""
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT content_hash FROM results WHERE grading_key = ?", (key,))}

    def put(self, content: str, key: str, result: SubmissionResult) -> None:
        """Store (or replace) one result, committed before returning."""
        data = json.dumps(result_to_dict(result))
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (content, key, data, result.score, result.max_score, result.seconds, result.graded_at))

    def close(self) -> None:
        self._db.close()
