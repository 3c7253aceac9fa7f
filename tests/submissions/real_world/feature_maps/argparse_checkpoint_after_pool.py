"""Feature maps of conv1 for a trained checkpoint; CLI in the style of github.com/praritagarwal/Visualizing-CNN-Layers + a required --checkpoint flag."""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as transforms
import matplotlib.pyplot as plt

parser = argparse.ArgumentParser(description="plot conv1 feature maps")
parser.add_argument("--checkpoint", required=True, help="state_dict saved by my 2a script")
parser.add_argument("--index", type=int, default=0, help="which test image")
parser.add_argument("--out", default="fmaps.png")
args = parser.parse_args()


def feature_maps(model, images):
    # output of the first conv block (conv -> relu -> pool)
    model.eval()
    with torch.no_grad():
        x = model.conv1(images)
        x = F.relu(x)
        x = model.pool(x)
    return x


def plot_feature_maps(maps):
    n = maps.size(0)
    side = math.ceil(math.sqrt(n))
    fig, axes = plt.subplots(side, side, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        if i < n:
            ax.imshow(maps[i], cmap="viridis")
        ax.axis("off")
    plt.tight_layout()
    return fig


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


net = SimpleCNN()
net.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
testset = torchvision.datasets.CIFAR10(
    root="./data", train=False, download=True,
    transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)]))
img, label = testset[args.index]
fm = feature_maps(net, img.unsqueeze(0))
print("label", label, "maps", tuple(fm.shape))
plot_feature_maps(fm[0]).savefig(args.out)
