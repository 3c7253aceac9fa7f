# FeatureMapSaver hook class as in the ZZYResNet18 conv1 visualisation script found on GitHub code search, demo kept under __main__
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class FeatureMapSaver():
    def __init__(self, module):
        self.hook = module.register_forward_hook(self.hook_fn)
        self.feature_map = None

    def hook_fn(self, module, input, output):
        self.feature_map = output.detach()

    def close(self):
        self.hook.remove()


def first_conv(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            return m
    raise ValueError("model has no Conv2d")


def feature_maps(model, images):
    saver = FeatureMapSaver(first_conv(model))
    try:
        with torch.no_grad():
            model(images)
    finally:
        saver.close()
    return torch.relu(saver.feature_map)


def plot_feature_maps(maps):
    n = maps.shape[0]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.8 * cols, 1.8 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < n:
            im = ax.imshow(maps[i].cpu().numpy(), cmap="magma")
            ax.set_title(f"#{i}", fontsize=8)
        ax.set_axis_off()
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.6)
    return fig


if __name__ == "__main__":
    import torch.nn.functional as F
    import torchvision
    import torchvision.transforms as transforms

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
            return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))

    norm = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
    testset = torchvision.datasets.CIFAR10(root='../data', train=False, download=True,
                                           transform=transforms.Compose([transforms.ToTensor(), norm]))
    imgs = torch.stack([testset[i][0] for i in range(4)])
    net = SimpleCNN().eval()
    fm = feature_maps(net, imgs)
    print(fm.shape, fm.requires_grad)
    plot_feature_maps(fm[0]).savefig("conv1_feature_map.png")
