"""forward raises RuntimeError from a bad view, x.view(N, 32*7*7) though the map is 32x8x8 (fc1 sized to match).
Construction and architecture-only checks run; every check that calls forward must be ERROR with the message
("shape '[N, 1568]' is invalid for input of size ...").
"""
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(x.size(0), 32 * 7 * 7)  # always invalid: the map is 32x8x8 = 2048 per image
        x = F.relu(self.fc1(x))
        return self.fc2(x)
