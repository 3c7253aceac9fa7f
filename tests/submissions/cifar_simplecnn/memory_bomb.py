"""Hostile: at import allocates (and fills) 100 MiB blocks up to 40 GiB, more than the machine has. The
grader's memory limit must stop it (MemoryError or child killed): a load error that says memory, every
check zero, the grader itself and other submissions unharmed.
"""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

_BLOCK = 100 * 2**20
_hoard = []
_end = time.monotonic() + 600
for _ in range(400):                      # 40 GiB at most
    _hoard.append(b"\xa5" * _BLOCK)       # filled, so every page is really committed
    if time.monotonic() > _end:
        break


class SimpleCNN(nn.Module):  # reached only where 40 GiB could be had
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
