# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution for `mnist_simplecnn`: the SimpleCNN of chapter 8.3.2, for MNIST.

Input: float images [N, 1, 28, 28]; output: logits [N, 10] (no softmax: the grader trains
with nn.CrossEntropyLoss, which expects raw logits).

    conv1 (1->32, k3, p1) -> ReLU -> pool 2x2   [N, 32, 14, 14]
    conv2 (32->64, k3, p1) -> ReLU -> pool 2x2  [N, 64, 7, 7]
    flatten                                     [N, 3136]
    fc1 (3136->128) -> ReLU                     [N, 128]
    fc2 (128->10)                               [N, 10]

The layers, their attribute names and their order are the chapter's. The one change: the
chapter flattens with `x.view(-1, 64 * 7 * 7)`; this uses `torch.flatten(x, 1)`, which keeps the
batch dimension explicit (a batch of 1 stays [1, 3136]; a wrong spatial size fails loudly in fc1
instead of silently folding into the batch) and also works on non-contiguous tensors.
421,642 parameters.
"""


import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    """Input: float images [N, 1, 28, 28]. Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: define the layers, in this order:
        #   self.conv1: 2-D convolution, 1 input channel -> 32 channels, 3x3 kernel, padding 1
        #   self.pool:  2x2 max pooling with stride 2 (you will use it twice)
        #   self.conv2: 2-D convolution, 32 -> 64 channels, 3x3 kernel, padding 1
        #   self.fc1:   fully connected, (flattened size after the second pooling) -> 128
        #   self.fc2:   fully connected, 128 -> 10 classes
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)  # 1 input channel (grayscale), 32 filters
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)  # 10 classes (digits 0-9)

    def forward(self, x):
        # TODO: conv1 -> ReLU -> pool, conv2 -> ReLU -> pool, flatten (keep the batch dimension),
        #       fc1 -> ReLU, fc2. Return the logits of shape [N, 10].
        x = self.pool(F.relu(self.conv1(x)))  # (N, 32, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # (N, 64, 7, 7)
        x = torch.flatten(x, 1)               # (N, 3136)
        x = F.relu(self.fc1(x))               # (N, 128)
        x = self.fc2(x)                       # (N, 10)
        return x
