"""Failed: train_one_epoch returns (loss, accuracy) as many public CIFAR/MNIST scripts' train() do, and the loss is the
last batch's `loss` tensor, which still holds the autograd graph (the brief asks for the mean loss as a float)."""
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_loaders(root, batch_size=64):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    trainset = datasets.MNIST(root=root, train=True, download=True, transform=transform)
    testset = datasets.MNIST(root=root, train=False, download=True, transform=transform)
    return (DataLoader(trainset, batch_size=batch_size, shuffle=True),
            DataLoader(testset, batch_size=batch_size, shuffle=False))


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    model.train()
    correct, total = 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        correct += (outputs.argmax(1) == labels).sum().item()
        total += labels.size(0)
    return loss, correct / total


def evaluate(model, loader, device="cpu"):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            correct += (model(images).argmax(1) == labels).sum().item()
            total += labels.size(0)
    return correct / total
