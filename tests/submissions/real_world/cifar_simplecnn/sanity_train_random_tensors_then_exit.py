# "overfit on fake data first" sanity check, in the spirit of the BNNet random-tensor snippet found on GitHub code search; no dataset needed
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class SimpleCNN(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(2048, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.reshape(x.shape[0], -1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


model = SimpleCNN()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

# fake "dataset": 200 batches of random images with random labels
torch.manual_seed(0)
fake_x = torch.randn(200, 64, 3, 32, 32)
fake_y = torch.randint(0, 10, (200, 64))

print("sanity check: the loss should go down (it memorises the noise)")
for epoch in range(50):
    model.train()
    total = 0.0
    for xb, yb in zip(fake_x, fake_y):
        optimizer.zero_grad()
        out = model(xb)
        loss = criterion(out, yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print("epoch", epoch, "loss", round(total / len(fake_x), 4))

out = model(torch.randn(1, 3, 32, 32))
print(out.shape)
exit()
