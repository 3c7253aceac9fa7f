"""Hostile: writes 1 GiB to sys.stdout at import (1024 chunks of 1 MiB), then defines a correct model.
The grader must cap what it captures (and say so), keep its own channel and memory intact, and
grade the model normally (or TIMEOUT the import), never hang or die.
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

_LINE = "F" * 1023 + "\n"  # 1 KiB
_CHUNK = _LINE * 1024      # 1 MiB
_end = time.monotonic() + 600
for _ in range(1024):      # 1 GiB in all
    sys.stdout.write(_CHUNK)
    if time.monotonic() > _end:
        break
sys.stdout.flush()


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
