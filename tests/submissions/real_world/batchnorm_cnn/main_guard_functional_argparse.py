"""Exercise 2b: BatchNormCNN. Script layout after github.com/yujinnyjinny/my_cifar10 train.py (train(opt) + argparse under __main__)."""
import argparse

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T


class BatchNormCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), kernel_size=2, stride=2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), kernel_size=2, stride=2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def train(opt):
    from tqdm import tqdm

    plt.style.use('seaborn')
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    train_set = torchvision.datasets.CIFAR10(opt.data, train=True, download=True, transform=tf)
    loader = torch.utils.data.DataLoader(train_set, batch_size=opt.batch_size, shuffle=True)

    model = BatchNormCNN().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=opt.lr)
    history = []
    for epoch in range(opt.epochs):
        model.train()
        for images, labels in tqdm(loader, desc=f'{opt.name} epoch {epoch}'):
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            history.append(loss.item())

    plt.plot(history)
    plt.title(f'lr={opt.lr}')
    plt.savefig(f'{opt.name}_loss.png')
    torch.save(model.state_dict(), f'{opt.name}.pth')


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True, help='CIFAR-10 root')
    parser.add_argument('--epochs', type=int, default=1)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=3e-2)
    parser.add_argument('--name', default='bn_run')
    opt = parser.parse_args()
    train(opt)
