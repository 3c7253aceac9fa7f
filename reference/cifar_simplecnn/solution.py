# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution for `cifar_simplecnn`: the chapter's SimpleCNN for CIFAR-10 (exercise 2a).

Input: float images [N, 3, 32, 32] (RGB); output: logits [N, 10] (no softmax: the grader trains
with nn.CrossEntropyLoss, which expects raw logits).

    conv1 (3->16, k3, p1) -> ReLU -> pool 2x2   [N, 16, 16, 16]
    conv2 (16->32, k3, p1) -> ReLU -> pool 2x2  [N, 32, 8, 8]
    flatten                                     [N, 2048]
    fc1 (2048->128) -> ReLU                     [N, 128]
    fc2 (128->10)                               [N, 10]

The layers, their attribute names and their order are those of the chapter's CIFAR-10 SimpleCNN.
The one change: the chapter flattens with `x.view(-1, 32 * 8 * 8)`; this uses
`torch.flatten(x, 1)`, which keeps the batch dimension explicit (a batch of 1 stays [1, 2048]; a
wrong spatial size fails loudly in fc1 instead of silently folding into the batch) and also works
on non-contiguous tensors. 268,650 parameters.
"""


import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    """Input: float images [N, 3, 32, 32] (RGB). Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: define the layers, in this order:
        #   self.conv1: 2-D convolution, 3 input channels (RGB) -> 16 channels, 3x3 kernel, padding 1
        #   self.pool:  2x2 max pooling with stride 2 (you will use it twice)
        #   self.conv2: 2-D convolution, 16 -> 32 channels, 3x3 kernel, padding 1
        #   self.fc1:   fully connected, (flattened size after the second pooling) -> 128
        #               (work it out for a 32x32 input: it is not the MNIST number)
        #   self.fc2:   fully connected, 128 -> 10 classes
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)  # 3 input channels (RGB)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)  # 32x32 input, pooled twice -> 8x8
        self.fc2 = nn.Linear(128, 10)  # 10 classes

    def forward(self, x):
        # TODO: conv1 -> ReLU -> pool, conv2 -> ReLU -> pool, flatten (keep the batch dimension),
        #       fc1 -> ReLU, fc2. Return the logits of shape [N, 10].
        x = self.pool(F.relu(self.conv1(x)))  # (N, 16, 16, 16)
        x = self.pool(F.relu(self.conv2(x)))  # (N, 32, 8, 8)
        x = torch.flatten(x, 1)               # (N, 2048)
        x = F.relu(self.fc1(x))               # (N, 128)
        x = self.fc2(x)                       # (N, 10)
        return x
