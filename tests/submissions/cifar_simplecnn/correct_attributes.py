"""Correct: the reference architecture written independently, other attribute names (features1, downsample,
features2, hidden, logits), reshape to flatten. Same function as the reference once its weights are loaded
by order and shape; the grader must give it full marks.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features1 = nn.Conv2d(3, 16, 3, stride=1, padding=1)
        self.downsample = nn.MaxPool2d(2)
        self.features2 = nn.Conv2d(16, 32, 3, stride=1, padding=1)
        self.hidden = nn.Linear(2048, 128)
        self.logits = nn.Linear(128, 10)

    def forward(self, images):
        h = self.downsample(torch.relu(self.features1(images)))
        h = self.downsample(F.relu(self.features2(h)))
        h = h.reshape(h.shape[0], -1)
        return self.logits(F.relu(self.hidden(h)))
