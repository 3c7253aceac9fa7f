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
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)  # one mean/variance per channel of conv1's output
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)  # 32x32 input, pooled twice -> 8x8
        self.fc2 = nn.Linear(128, 10)  # 10 classes

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # (N, 16, 16, 16)
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # (N, 32, 8, 8)
        x = torch.flatten(x, 1)                         # (N, 2048)
        x = F.relu(self.fc1(x))                         # (N, 128)
        x = self.fc2(x)                                 # (N, 10)
        return x
