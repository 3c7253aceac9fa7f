"""Hostile under a fork server: stops its parent process (the server) with SIGSTOP, so that it can
no longer answer the grader, then defines a correct model."""
import os
import signal

import torch
import torch.nn as nn
import torch.nn.functional as F

try:
    os.kill(os.getppid(), signal.SIGSTOP)
except OSError as exc:
    print("could not stop the parent:", exc)


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
