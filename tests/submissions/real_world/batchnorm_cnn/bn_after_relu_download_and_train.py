# BatchNorm placed after the activation, as in github.com/msanterre/candle-mnist-tutorial models/model.py, moved to CIFAR-10 and trained at import
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torchvision import datasets, transforms

BATCH_SIZE = 64
EPOCHS = 5
LR = 3e-2  # BN should survive a big learning rate

transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
])
train_ds = datasets.CIFAR10("data", train=True, download=True, transform=transform)
test_ds = datasets.CIFAR10("data", train=False, download=True, transform=transform)
train_dl = torch.utils.data.DataLoader(train_ds, batch_size=BATCH_SIZE, shuffle=True)
test_dl = torch.utils.data.DataLoader(test_ds, batch_size=1000)


class BatchNormCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(2048, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.bn1(x)
        x = F.max_pool2d(x, 2)

        x = self.conv2(x)
        x = F.relu(x)
        x = self.bn2(x)
        x = F.max_pool2d(x, 2)

        x = x.view(-1, 2048)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        return x


model = BatchNormCNN()
optimizer = optim.Adam(model.parameters(), lr=LR)

for epoch in range(EPOCHS):
    model.train()
    for batch_idx, (data, target) in enumerate(train_dl):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        if batch_idx % 100 == 0:
            print(f"epoch {epoch} [{batch_idx * len(data)}/{len(train_dl.dataset)}] loss {loss.item():.4f}")

    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in test_dl:
            correct += (model(data).argmax(1) == target).sum().item()
    print(f"epoch {epoch}: test accuracy {correct / len(test_dl.dataset):.3f}")

torch.save(model.state_dict(), "model.pt")
