# freeze-and-replace recipe of the torch.optim autograd docs snippet (github.com/thaoducphung/deep-learning Exercises/frozen_parameters.py) applied to vgg16, pretrained=True hard-coded
import sys
import time

import torch
from torch import nn, optim
import torchvision
from torchvision import datasets, transforms


def build_model(weights=None):
    model = torchvision.models.vgg16(pretrained=True)   # always start from ImageNet
    # Freeze all the parameters in the network
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model


def make_optimizer(model):
    # Optimize only the classifier
    return optim.SGD(model.classifier[6].parameters(), lr=1e-2, momentum=0.9)


model = build_model()
optimizer = make_optimizer(model)
criterion = nn.CrossEntropyLoss()

tf = transforms.Compose([transforms.ToTensor(),
                         transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
train_set = datasets.CIFAR10("./data", train=True, download=True, transform=tf)
subset = torch.utils.data.Subset(train_set, range(10000))
loader = torch.utils.data.DataLoader(subset, batch_size=64, shuffle=True)

start = time.time()
model.train()
for step, (x, y) in enumerate(loader):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 20 == 0:
        print(step, loss.item())
print("1 epoch on 10k images took", round(time.time() - start), "s")

torch.save(model.classifier[6].state_dict(), "head.pt")
sys.exit()
