# %% [markdown]
# CIFAR-10 SimpleCNN, VS Code cells, Windows data path; after the tutorials.pytorch.kr CIFAR10 example (trainset root='D:/aidata/cifar10')

# %%
import torch
import torchvision
import torchvision.transforms as transforms
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import matplotlib.pyplot as plt
import numpy as np

# gpu에서 학습되도록 세팅
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(device)

# %%
# 데이터 처리 형태 지정: ToTensor -> [0, 1], Normalize -> [-1, 1]
transform = transforms.Compose([transforms.ToTensor(),
                                transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

# 이미 받아 둔 데이터 사용 (download=False)
DATA_ROOT = 'D:/datasets/cifar10'
trainset = torchvision.datasets.CIFAR10(root=DATA_ROOT, train=True, download=False, transform=transform)
testset = torchvision.datasets.CIFAR10(root=DATA_ROOT, train=False, download=False, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True, num_workers=0)
testloader = torch.utils.data.DataLoader(testset, batch_size=64, shuffle=False, num_workers=0)

classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


# %%
# 합성곱 신경망 정의하기
class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(in_channels=16, out_channels=32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(in_features=32 * 8 * 8, out_features=128)
        self.fc2 = nn.Linear(in_features=128, out_features=10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


net = SimpleCNN().to(device)
print(net)

# %%
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(net.parameters(), lr=1e-3)

history = []
for epoch in range(10):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data[0].to(device), data[1].to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    history.append(running_loss / len(trainloader))
    print('[%d] loss: %.3f' % (epoch + 1, history[-1]))
print('===== done =====')

# %%
plt.plot(history)
plt.xlabel('epoch')
plt.ylabel('loss')
plt.show()

# %%
# 전체 테스트 데이터에 대해 확인
correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        inputs, labels = data[0].to(device), data[1].to(device)
        outputs = net(inputs)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print('final accuracy: %d %%' % (100 * correct / total))

# %%
torch.save(net.state_dict(), 'C:/Users/student/Documents/cifar_simplecnn.pth')
