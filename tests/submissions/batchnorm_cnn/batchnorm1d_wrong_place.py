"""Wrong: nn.BatchNorm1d after the convolutions, where nn.BatchNorm2d belongs. BatchNorm1d only
accepts [N, C] or [N, C, L] inputs, so the forward pass crashes on the [N, 16, 32, 32] feature
map ("expected 2D or 3D input (got 4D input)"): every check that runs the model fails or errors,
and the placement check names the BatchNorm1d."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BatchNormCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm1d(16)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm1d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
