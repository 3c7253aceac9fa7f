# functional-style BN CNN that moves itself to the GPU in __init__, like the GPUModule/Trainer(gpu=True) patterns seen in GitHub code search
import torch
import torch.nn as nn
import torch.nn.functional as F


class BatchNormCNN(nn.Module):
    def __init__(self):
        super(BatchNormCNN, self).__init__()
        self.device = torch.device("cuda")  # colab T4
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)
        self.to(self.device)

    def forward(self, x):
        x = x.to(self.device)
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


model = BatchNormCNN()
print(model)
n_params = sum(p.numel() for p in model.parameters())
print("params:", n_params)  # should be 268746
x = torch.randn(8, 3, 32, 32)
print(model(x).shape)
