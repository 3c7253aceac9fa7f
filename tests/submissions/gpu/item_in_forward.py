"""A correct SimpleCNN whose forward prints a statistic once in a while (a CPU sync: `.item()`), as
students do while debugging. It cannot be captured in a CUDA graph, and must still get full marks."""
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        if self.calls % 100000 == 0 or x.abs().max().item() > 1e6:
            print("activations are large:", x.abs().max().item())
        x = x.view(-1, 32 * 8 * 8)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
