import torch.nn as nn


class DropoutCNN(nn.Module):
    """Forgot the pooling: the classifier sees 16 x 28 x 28 features."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(16 * 28 * 28, 10)

    def forward(self, x):
        x = self.features(x).flatten(1)
        return self.fc(self.dropout(x))
