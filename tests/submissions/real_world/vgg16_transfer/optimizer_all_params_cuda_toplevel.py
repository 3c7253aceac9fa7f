# VGG16 feature extraction on CIFAR-10 following the "#vgg_16 model from torchvission library" Colab export found on GitHub code search (Resize 224, SGD momentum, device pinned to cuda)
import matplotlib.pyplot as plt
import numpy as np

import torch
import torchvision
import torchvision.transforms as transforms
import torch.nn as nn
import torch.optim as optim

device = "cuda"
print(device)

"""## Model"""


def build_model(weights=None):
    vgg16 = torchvision.models.vgg16(weights=weights)
    # freeze everything ...
    for param in vgg16.parameters():
        param.requires_grad = False
    # ... and swap the last layer (1000 ImageNet classes -> 10 CIFAR classes)
    num_features = vgg16.classifier[6].in_features
    vgg16.classifier[6] = nn.Linear(num_features, 10)
    return vgg16


def make_optimizer(model):
    return optim.SGD(model.parameters(), lr=0.001, momentum=0.9)


model = build_model().to(device)
print(model.classifier)

"""## Dataset, transforms, and visualisation"""

transform_train = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
])
transform_test = transforms.Compose([
    transforms.Resize(224),
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
])
trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True, transform=transform_train)
testset = torchvision.datasets.CIFAR10(root='./data', train=False, download=True, transform=transform_test)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=16, shuffle=True)
testloader = torch.utils.data.DataLoader(testset, batch_size=16, shuffle=False)

"""## Train"""

criterion = nn.CrossEntropyLoss()
optimizer = make_optimizer(model)
loss_epoch_arr = []
for epoch in range(2):
    for i, (inputs, labels) in enumerate(trainloader, 0):
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        if i % 100 == 0:
            print('Iteration: %d/%d, Loss: %0.2f' % (i, len(trainloader), loss.item()))
    loss_epoch_arr.append(loss.item())

plt.plot(loss_epoch_arr)
plt.show()
