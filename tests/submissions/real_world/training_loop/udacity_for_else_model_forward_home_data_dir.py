"""After github.com/udacity/deep-learning-v2-pytorch intro-to-pytorch/Part 3 - Training Neural Networks (Solution).ipynb, exported with nbconvert (# In[ ]: markers, get_ipython()): model.forward(images), the for ... else loop, ~/.pytorch/MNIST_data/."""
#!/usr/bin/env python
# coding: utf-8

# # Training Neural Networks (chapter 8.3.3 version)
#
# The three functions the brief asks for, then my own run.

# In[1]:


import torch
from torch import nn
import torch.nn.functional as F
from torchvision import datasets, transforms

# Define a transform to normalize the data
transform = transforms.Compose([transforms.ToTensor(),
                                transforms.Normalize((0.5,), (0.5,)),
                              ])
# Download and load the training data
trainset = datasets.MNIST('~/.pytorch/MNIST_data/', download=True, train=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)


# In[2]:


def make_loaders(root, batch_size=64):
    # Download and load the training data
    trainset = datasets.MNIST(root, download=True, train=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True)
    # Download and load the test data
    testset = datasets.MNIST(root, download=True, train=False, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False)
    return trainloader, testloader


# In[3]:


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    model.train()
    running_loss = 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)

        # Clearing the gradients, do this because gradients are accumulated
        optimizer.zero_grad()

        # Forward pass, then backward pass, then update weights
        output = model.forward(images)
        loss = criterion(output, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
    else:
        print(f"Training loss: {running_loss/len(loader)}")
    return running_loss/len(loader)


# In[4]:


def evaluate(model, loader, device="cpu"):
    model.eval()
    correct = 0
    total = 0
    # Turn off gradients to speed up this part
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logps = model.forward(images)
            correct += (logps.argmax(1) == labels).sum().item()
            total += labels.shape[0]
    return correct / total


# ### Training for real

# In[5]:


from torch import optim

model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(),
                      nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
                      nn.Linear(128, 10))

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)

trainloader, testloader = make_loaders('~/.pytorch/MNIST_data/')

epochs = 5
for e in range(epochs):
    train_one_epoch(model, trainloader, criterion, optimizer)
    print(evaluate(model, testloader))


# In[6]:


get_ipython().run_line_magic('matplotlib', 'inline')
import helper

images, labels = next(iter(trainloader))

img = images[0].view(1, 1, 28, 28)
# Turn off gradients to speed up this part
with torch.no_grad():
    logps = model.forward(img)

# Output of the network are logits, need to take softmax for probabilities
ps = F.softmax(logps, dim=1)
helper.view_classify(img.view(1, 28, 28), ps)
