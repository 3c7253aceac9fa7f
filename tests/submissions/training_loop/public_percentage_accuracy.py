"""Bug: evaluate returns a percentage (100. * correct / total), as much public code does (a train_eval.py
found by search, adapted to the brief's signatures: the loss returned alone, no criterion in evaluate)."""
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
    total_loss = 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    return total_loss / len(loader)


def evaluate(model, loader, device="cpu"):
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            _, preds = outputs.max(1)
            correct += preds.eq(labels).sum().item()
            total += labels.size(0)
    return 100. * correct / total
