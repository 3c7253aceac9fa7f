# ideas from github.com/lazywulf/Visualizing-Feature-Maps feat_vis.py (cv2 input, conv layers collected by isinstance) + a do_conv2d helper calling F.conv2d with the layer's own weights
import torch
import torch.nn as nn
import torch.nn.functional as F
import numpy as np
import matplotlib.pyplot as plt
import cv2 as cv


def do_conv2d(conv, input_):
    # same computation as conv(input_), written out with the layer's own parameters
    return F.conv2d(input_, conv.weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)


def feature_maps(model, images):
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    print(f"Total convolution layers: {len(convs)}")
    first = convs[0]
    with torch.no_grad():
        out = F.relu(do_conv2d(first, images))
    return out


def plot_feature_maps(maps):
    c = maps.shape[0]
    ncols = 8
    nrows = (c + ncols - 1) // ncols
    fig, axs = plt.subplots(nrows, ncols, figsize=(16, 2 * nrows), squeeze=False)
    for i in range(nrows * ncols):
        ax = axs[i // ncols][i % ncols]
        if i < c:
            ax.matshow(maps[i].numpy(), cmap="gray")
            ax.set_title(str(i), fontsize=8)
        ax.axis("off")
    fig.suptitle("conv1 feature maps")
    return fig


def read_image(path="./input/test/test.jpg"):
    img = cv.imread(path)
    img = cv.cvtColor(img, cv.COLOR_BGR2RGB)
    img = cv.resize(img, (32, 32), interpolation=cv.INTER_LINEAR)
    x = torch.tensor(img, dtype=torch.float32).permute(2, 0, 1) / 255.0
    x = (x - 0.5) / 0.5
    return x.unsqueeze(0)


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(2048, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


model = SimpleCNN()
model.load_state_dict(torch.load("./save/simplecnn_2a.pth", map_location="cpu"))
model.eval()

img = read_image()
maps = feature_maps(model, img)
fig = plot_feature_maps(maps[0])
plt.show()
