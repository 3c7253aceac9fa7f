"""The chapter's SimpleCNN (CIFAR-10), which names a cache folder after the user running it, as torch's compile
caches do (on a GPU, Adam's first step reaches them): getpass.getuser() must work for a batch worker's uid,
which has no entry in the password database."""
import getpass

import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.cache_dir = f"/tmp/simplecnn_{getpass.getuser()}"
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 32 * 8 * 8)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
