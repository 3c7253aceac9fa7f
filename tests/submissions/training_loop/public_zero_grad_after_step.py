"""Correct, in the style of public student code (public code found by search: a train.py with this exact loop: backward, step,
then zero_grad at the end of each iteration; a counter of batches; @torch.no_grad() on evaluate).
Zeroing after the step is as right as zeroing before the forward."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_loaders(root, batch_size=64):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    train_ds = datasets.MNIST(root, train=True, download=True, transform=transform)
    test_ds = datasets.MNIST(root, train=False, download=True, transform=transform)
    return (DataLoader(train_ds, batch_size=batch_size, shuffle=True),
            DataLoader(test_ds, batch_size=batch_size, shuffle=False))


# train_one_epoch
# - Runs a full pass through the training set
def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    # Indicate the model is being trained.
    model.train()
    running_loss = 0
    num_batches = 0
    for x, y in loader:
        x = x.to(device)
        y = y.to(device)
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        running_loss += loss.item()
        num_batches += 1
    return running_loss / max(1, num_batches)


@torch.no_grad()
def evaluate(model, loader, device="cpu"):
    model.eval()
    correct, total = 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        pred = model(x).argmax(dim=1)
        correct += (pred == y).sum().item()
        total += y.size(0)
    return correct / total
