# %% [markdown]
# # The training loop (section 8.3.3)
#
# Define the three functions below with exactly these signatures; see README.md for what each must do.
# Keep training code you run yourself under `if __name__ == "__main__":` so that the grader, which
# imports this file, does not start it.

# %%
import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_loaders(root, batch_size=64):
    """MNIST under `root` with the chapter's transform: (shuffled train loader, unshuffled test loader)."""
    raise NotImplementedError("TODO: write make_loaders")


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    """One pass over `loader`; returns the mean of the per-batch losses as a float."""
    raise NotImplementedError("TODO: write train_one_epoch")


def evaluate(model, loader, device="cpu"):
    """Accuracy (a number in [0, 1]) of `model` over every image in `loader`."""
    raise NotImplementedError("TODO: write evaluate")


# %% tags=["skip-grading"]
# Your own training run: five epochs, as in the chapter. The grader skips this cell (tag skip-grading) and
# the `if __name__ == "__main__":` guard keeps it out of an import of this file.
if __name__ == "__main__":
    from torch import optim

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.fc1 = nn.Linear(64 * 7 * 7, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))

    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainloader, testloader = make_loaders("./data")
    model = SimpleCNN().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(5):
        loss = train_one_epoch(model, trainloader, criterion, optimizer, device)
        print(f"Epoch {epoch + 1}, Loss: {loss:.4f}, test accuracy: {evaluate(model, testloader, device):.4f}")
