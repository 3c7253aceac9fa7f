# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution for `batchnorm_cnn`: the chapter's CIFAR-10 SimpleCNN with BatchNorm2d
after each convolution (exercise 2b).

Input: float images [N, 3, 32, 32] (RGB); output: logits [N, 10] (no softmax: the grader trains
with nn.CrossEntropyLoss, which expects raw logits).

    conv1 (3->16, k3, p1) -> bn1 (16) -> ReLU -> pool 2x2    [N, 16, 16, 16]
    conv2 (16->32, k3, p1) -> bn2 (32) -> ReLU -> pool 2x2   [N, 32, 8, 8]
    flatten                                                  [N, 2048]
    fc1 (2048->128) -> ReLU                                  [N, 128]
    fc2 (128->10)                                            [N, 10]

BatchNorm2d normalises each channel of the convolution's output with the batch's statistics
while training (and keeps running averages of them for evaluation), so the next layer sees inputs
of a stable scale whatever the weights do: training tolerates much higher learning rates.
The convolutions keep their bias, as in the chapter (BatchNorm's own shift makes it redundant but
harmless). 268,746 parameters.
"""


import torch
import torch.nn as nn
import torch.nn.functional as F


class BatchNormCNN(nn.Module):
    """Input: float images [N, 3, 32, 32] (RGB). Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: define the layers, in this order:
        #   self.conv1: 2-D convolution, 3 -> 16 channels, 3x3 kernel, padding 1
        #   self.bn1:   2-D batch normalisation over conv1's output channels (how many?)
        #   self.pool:  2x2 max pooling with stride 2 (you will use it twice)
        #   self.conv2: 2-D convolution, 16 -> 32 channels, 3x3 kernel, padding 1
        #   self.bn2:   2-D batch normalisation over conv2's output channels
        #   self.fc1:   fully connected, 32 * 8 * 8 -> 128
        #   self.fc2:   fully connected, 128 -> 10 classes
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)  # one mean/variance per channel of conv1's output
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)  # 32x32 input, pooled twice -> 8x8
        self.fc2 = nn.Linear(128, 10)  # 10 classes

    def forward(self, x):
        # TODO: conv1 -> bn1 -> ReLU -> pool, conv2 -> bn2 -> ReLU -> pool,
        #       flatten (keep the batch dimension), fc1 -> ReLU, fc2. Return the logits [N, 10].
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # (N, 16, 16, 16)
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # (N, 32, 8, 8)
        x = torch.flatten(x, 1)                         # (N, 2048)
        x = F.relu(self.fc1(x))                         # (N, 128)
        x = self.fc2(x)                                 # (N, 10)
        return x
