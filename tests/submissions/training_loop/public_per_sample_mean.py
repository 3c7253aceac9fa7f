"""Bug against this brief: the loss is averaged per image (loss.item() * x.size(0) / total), as in much
public code (a train.py found by search, adapted to the brief's signatures); the brief asks for the mean
of the per-batch losses, as the chapter prints it."""
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_loaders(root, batch_size=64):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    train_ds = datasets.MNIST(root, train=True, download=True, transform=transform)
    test_ds = datasets.MNIST(root, train=False, download=True, transform=transform)
    return (DataLoader(train_ds, batch_size=batch_size, shuffle=True),
            DataLoader(test_ds, batch_size=batch_size, shuffle=False))


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    model.train()
    running_loss, total = 0.0, 0
    for x, y in loader:
        x = x.to(device)
        y = y.to(device)
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * x.size(0)
        total += x.size(0)
    return running_loss / total


@torch.no_grad()
def evaluate(model, loader, device="cpu"):
    model.eval()
    correct, total = 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        correct += (model(x).argmax(dim=1) == y).sum().item()
        total += y.size(0)
    return correct / total
