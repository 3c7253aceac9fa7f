"""Hostile: at import hunts for grading secrets (reference/, expected.pt, metrics.json, assignment.toml, test
labels, the grader's repo, env, parent's cmdline/environ, 1.1.1.1:53) and PRINTS what it finds; correct
model. Graded normally; none of those secrets may appear in its output, report or results.
"""
import json
import os
import socket
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

TARGETS = {"reference", "expected.pt", "metrics.json", "assignment.toml", "test_labels.npy",
           "t10k-labels-idx1-ubyte"}
SKIP = {"/proc", "/sys", "/dev", "/run"}
TEXT_SUFFIXES = (".json", ".toml", ".py", ".txt", ".md", ".cfg", ".ini", ".yaml", ".yml")
_end = time.monotonic() + 90  # the whole hunt is bounded


def _say(*parts):
    print("[reads_secrets]", *parts, flush=True)


def _dump(path, limit=4000):
    """Print what a file gives away: text in full (cut), binary as a hex head."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(limit)
    except OSError as e:
        _say("unreadable", path, repr(e))
        return
    if path.endswith(TEXT_SUFFIXES):
        _say(f"FILE {path} ({size} bytes):\n" + head.decode("utf-8", "replace"))
    else:
        _say(f"FILE {path} ({size} bytes) head: {head[:256].hex()}")


def _hunt(top, budget_entries=2_000_000):
    """Walk from `top`, print every target name found; dump the files, list reference dirs."""
    seen = 0
    for root, dirs, files in os.walk(top, topdown=True, followlinks=False):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
        seen += len(dirs) + len(files)
        if time.monotonic() > _end or seen > budget_entries:
            _say("hunt cut short at", root)
            return
        for name in files:
            if name in TARGETS:
                _dump(os.path.join(root, name))
        for name in dirs:
            if name in TARGETS:
                ref = os.path.join(root, name)
                _say("FOUND DIR", ref)
                for r2, _, f2 in os.walk(ref):
                    for n2 in f2[:50]:
                        _dump(os.path.join(r2, n2))


_say("argv", sys.argv, "cwd", os.getcwd(), "uid", os.getuid(), "pid", os.getpid(), "ppid", os.getppid())
_say("ENV", json.dumps(dict(os.environ)))
for proc_file in (f"/proc/{os.getppid()}/cmdline", f"/proc/{os.getppid()}/environ", "/proc/self/mountinfo"):
    try:
        with open(proc_file, "rb") as f:
            _say(proc_file, f.read(20000).replace(b"\0", b" ").decode("utf-8", "replace"))
    except OSError as e:
        _say(proc_file, "unreadable", repr(e))
_say("grader modules already loaded", sorted(m for m in sys.modules if m.split(".")[0] == "grader"))
try:
    import grader

    root = os.path.dirname(os.path.abspath(grader.__file__))
    while root != "/" and not any(os.path.exists(os.path.join(root, m)) for m in ("pyproject.toml", ".git")):
        root = os.path.dirname(root)
    _say("GRADER REPO ROOT", root, sorted(os.listdir(root)))
    _hunt(root)
except Exception as e:  # noqa: BLE001
    _say("no grader package:", repr(e))
try:
    with socket.create_connection(("1.1.1.1", 53), timeout=2) as s:
        _say("NETWORK OPEN: connected to", s.getpeername())
except OSError as e:
    _say("network closed:", repr(e))
_hunt("/")
_say("hunt finished")


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
