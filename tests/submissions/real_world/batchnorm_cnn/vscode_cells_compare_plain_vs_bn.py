#%% BN vs no BN at a high learning rate (cells as in github.com/TylerJost/learnPytorch, experiment from the chapter's BatchNorm section)
import time
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as transforms
import matplotlib.pyplot as plt

torch.manual_seed(0)
DEVICE = 'cuda' if torch.cuda.is_available() else 'cpu'

#%% data (downloaded last week with the 2a notebook)
transform = transforms.Compose([transforms.ToTensor(),
                                transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
train_set = torchvision.datasets.CIFAR10('./data', train=True, download=False, transform=transform)
test_set = torchvision.datasets.CIFAR10('./data', train=False, download=False, transform=transform)
train_loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = torch.utils.data.DataLoader(test_set, batch_size=500)

#%% models
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
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


class BatchNormCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))

#%% one epoch at lr 3e-2
def run(model, lr=3e-2):
    model.to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for xb, yb in train_loader:
        xb, yb = xb.to(DEVICE), yb.to(DEVICE)
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            correct += (model(xb.to(DEVICE)).argmax(1).cpu() == yb).sum().item()
    return losses, correct / len(test_set)

results = {}
for name, cls in [('plain', SimpleCNN), ('batchnorm', BatchNormCNN)]:
    t = time.time()
    results[name] = run(cls())
    print(name, 'acc', results[name][1], 'time', round(time.time() - t, 1))

#%% plot
for name, (losses, acc) in results.items():
    plt.plot(losses, label=f'{name} ({acc:.1%})')
plt.legend()
plt.ylim(0, 5)
plt.xlabel('step')
plt.ylabel('loss')
plt.show()
