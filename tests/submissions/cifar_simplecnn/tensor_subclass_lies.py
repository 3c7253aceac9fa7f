"""Hostile: fc2 has 7 outputs, and forward returns a torch.Tensor subclass whose .shape, size(),
dim sizes and repr claim [N, 10]. The grader must measure the real data ([N, 7]): output shape,
architecture, reference and accuracy checks fail.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

_Base = torch._C.TensorBase


class _Logits(torch.Tensor):
    """Reports 10 columns whatever it holds; results of torch ops on it stay _Logits."""

    @property
    def shape(self):
        real = _Base.size(self)
        return torch.Size((real[0], 10)) if len(real) == 2 else real

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def __repr__(self, *, tensor_contents=None):
        return f"tensor(<logits of shape {list(self.shape)}>)"


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 7)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x).as_subclass(_Logits)  # really [N, 7]; still attached to autograd
