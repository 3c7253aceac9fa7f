# follows github.com/wierzba100/Mnist_Vitis_Ai main.py (MNIST CNN: download, train 5 epochs, save weights)
import torch
import torch.nn as nn
import torch.optim as optim
from torchvision import datasets, transforms
from torch.utils.data import DataLoader

# normalizacja taka jak w pytorch/examples
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.1307,), (0.3081,))
])

train_data = datasets.MNIST(root='./data', train=True, download=True, transform=transform)
test_data = datasets.MNIST(root='./data', train=False, download=True, transform=transform)

train_loader = DataLoader(dataset=train_data, batch_size=64, shuffle=True)
test_loader = DataLoader(dataset=test_data, batch_size=64, shuffle=False)


class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))  # 28x28 -> 14x14
        x = self.pool(self.relu(self.conv2(x)))  # 14x14 -> 7x7
        x = x.view(-1, 64 * 7 * 7)
        x = self.relu(self.fc1(x))
        x = self.fc2(x)
        return x


model = SimpleCNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)

epochs = 5

for epoch in range(epochs):
    model.train()
    for imgs, targets in train_loader:
        optimizer.zero_grad()
        out = model(imgs)
        loss = criterion(out, targets)
        loss.backward()
        optimizer.step()

    print(f'Epoka [{epoch + 1}/{epochs}], strata: {loss.item():.4f}')

model.eval()
correct = 0
total = 0
with torch.no_grad():
    for imgs, targets in test_loader:
        out = model(imgs)
        _, predicted = torch.max(out.data, 1)
        total += targets.size(0)
        correct += (predicted == targets).sum().item()

print(f'Dokladnosc na zbiorze testowym: {100 * correct / total:.2f}%')

torch.save(model.state_dict(), 'mnist_model.pth')
print("Zapisano model do 'mnist_model.pth'")
