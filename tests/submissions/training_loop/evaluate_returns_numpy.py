"""Policy: evaluate collects predictions in numpy and returns np.mean(preds == labels), a numpy.float64 of the
right accuracy (a habit from scikit-learn code); it earns the points with a note to return a Python float."""
import numpy as np
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
    running_loss = 0.0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    return running_loss / len(loader)


def evaluate(model, loader, device="cpu"):
    model.eval()
    all_preds, all_labels = [], []
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images.to(device))
            all_preds.append(outputs.argmax(1).cpu().numpy())
            all_labels.append(labels.numpy())
    return np.mean(np.concatenate(all_preds) == np.concatenate(all_labels))
