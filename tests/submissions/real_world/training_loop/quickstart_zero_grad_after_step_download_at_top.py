"""After github.com/3unse0/ML_Project_Ko utils.py (the PyTorch quickstart loop: backward, step, then zero_grad; correct /= size), with the MNIST download and the training run left at the top level."""
import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision.transforms import ToTensor, Normalize, Compose

transform = Compose([ToTensor(), Normalize((0.5,), (0.5,))])

training_data = datasets.MNIST(root="data", train=True, download=True, transform=transform)
test_data = datasets.MNIST(root="data", train=False, download=True, transform=transform)


def make_loaders(root, batch_size=64):
    train_dataloader = DataLoader(datasets.MNIST(root=root, train=True, download=True, transform=transform),
                                  batch_size=batch_size, shuffle=True)
    test_dataloader = DataLoader(datasets.MNIST(root=root, train=False, download=True, transform=transform),
                                 batch_size=batch_size)
    return train_dataloader, test_dataloader


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    model.train()
    total_loss = 0
    for batch, (X, y) in enumerate(loader):
        X, y = X.to(device), y.to(device)

        pred = model(X)
        loss = criterion(pred, y)

        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        total_loss += loss.item()
        if batch % 100 == 0:
            print("loss:", loss.item(), ", batch:", batch)
    return total_loss / len(loader)


def evaluate(model, loader, device="cpu"):
    model.eval()
    size = len(loader.dataset)
    correct = 0

    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)

            pred = model(X)

            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):0.1f}%")
    return correct


device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_stack = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.conv_stack(x)


model = NeuralNetwork().to(device)
print(model)

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

epochs = 5
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_one_epoch(model, train_dataloader, loss_fn, optimizer, device)
    evaluate(model, test_dataloader, device)
print("Done!")
