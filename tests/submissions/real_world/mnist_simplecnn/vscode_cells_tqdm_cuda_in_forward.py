# %% [markdown]
# MNIST SimpleCNN, VS Code interactive cells, loosely after github.com/TylerJost/learnPytorch fromScratch/*.py (jupytext percent format, tqdm)

# %%
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as transforms
import matplotlib.pyplot as plt
import numpy as np

from tqdm import tqdm

# %%
transform = transforms.Compose([transforms.ToTensor(),
                                transforms.Normalize((0.5,), (0.5,))])

trainset = torchvision.datasets.MNIST(root='./data', train=True, download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
testset = torchvision.datasets.MNIST(root='./data', train=False, download=True, transform=transform)
testloader = torch.utils.data.DataLoader(testset, batch_size=256, shuffle=False)

# %%
img, lbl = trainset[0]
plt.imshow(img.squeeze(), cmap='gray')
plt.title(f'label {lbl}')
plt.show()


# %%
class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        # without this I get "Input type (torch.FloatTensor) and weight type
        # (torch.cuda.FloatTensor) should be the same"
        x = x.cuda()
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


# %%
net = SimpleCNN().cuda()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

losses = []
for epoch in range(3):
    running = 0.0
    for inputs, labels in tqdm(trainloader, desc=f'epoch {epoch + 1}'):
        labels = labels.cuda()
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
        running += loss.item()
    losses.append(running / len(trainloader))
    print(epoch + 1, losses[-1])

# %%
plt.plot(np.arange(1, len(losses) + 1), losses, 'o-')
plt.xlabel('epoch')
plt.ylabel('train loss')
plt.show()

# %%
correct, total = 0, 0
with torch.no_grad():
    for inputs, labels in testloader:
        pred = net(inputs).argmax(1).cpu()
        correct += (pred == labels).sum().item()
        total += labels.size(0)
print('test acc', correct / total)
