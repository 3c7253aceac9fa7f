"""Hostile: at import double-forks a grandchild into a new session (setsid) that ignores SIGHUP/SIGTERM, keeps
stdout/stderr open and rewrites /tmp/cnn_grader_fork_grandchild.marker every second for 10 min; correct
model. Grading must finish on time and leave no process behind.
"""
import os
import signal
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MARKER = "/tmp/cnn_grader_fork_grandchild.marker"
LIFETIME_S = 600

_pid = os.fork()
if _pid == 0:  # child: never returns to the importer
    try:
        os.setsid()  # leave the grader's process group and session
        if os.fork() == 0:  # grandchild, reparented once the child exits
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            _end = time.monotonic() + LIFETIME_S
            while time.monotonic() < _end:
                try:
                    fd = os.open(MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.write(fd, f"{os.getpid()} {time.time():.0f}\n".encode())
                    os.close(fd)
                except OSError:
                    pass
                time.sleep(1)
    finally:
        os._exit(0)
os.waitpid(_pid, 0)  # the child exits at once; the grandchild is now an orphan


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
