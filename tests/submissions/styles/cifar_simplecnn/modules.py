"""The reference SimpleCNN for CIFAR-10 written with modules only (nn.ReLU, nn.MaxPool2d, nn.Flatten in
nested nn.Sequential blocks, a QuantStub/DeQuantStub pair that does nothing in float mode). Must score
exactly what the reference scores."""
import torch.nn as nn
from torch.ao.quantization import DeQuantStub, QuantStub


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = QuantStub()
        self.block1 = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.block2 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))
        self.dequant = DeQuantStub()

    def forward(self, x):
        return self.dequant(self.head(self.block2(self.block1(self.quant(x)))))
