"""After a public chest-X-ray loading script found by code search (`transforms.Resize((224, 224))`, `transforms.Normalize(mean=[0.5], std=[0.5])  # Grayscale normalization`, `data_dir = 'chest_xray'`, ImageFolder(os.path.join(data_dir, 'train')) ..., a grid of training images shown with matplotlib): one transform for everything, no augmentation, an unweighted loss; ResNet50 as the chapter's 8.5.2 steps."""
import os
import torch
import torch.nn as nn
from torchvision import datasets, transforms, models
from torch.utils.data import DataLoader
import matplotlib.pyplot as plt
import numpy as np
import torchvision


# Define transformations for the images (resize, convert to tensor, normalize)
def make_transforms():
    transform = transforms.Compose([
        transforms.Resize((224, 224)),  # Resize to fit models like ResNet
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.5], std=[0.5])  # Grayscale normalization
    ])
    return transform, transform


def make_datasets(root):
    transform, _ = make_transforms()
    train_dataset = datasets.ImageFolder(os.path.join(root, 'train'), transform=transform)
    val_dataset = datasets.ImageFolder(os.path.join(root, 'val'), transform=transform)
    test_dataset = datasets.ImageFolder(os.path.join(root, 'test'), transform=transform)
    return train_dataset, val_dataset, test_dataset


def build_model(weights=None):
    model = models.resnet50(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 2)
    return model


def make_criterion(train_dataset):
    return nn.CrossEntropyLoss()


# Set the path to your dataset
data_dir = 'chest_xray'

# Load the data
train_dataset, val_dataset, test_dataset = make_datasets(data_dir)
train_loader = DataLoader(train_dataset, batch_size=32, shuffle=True)
val_loader = DataLoader(val_dataset, batch_size=32, shuffle=False)
test_loader = DataLoader(test_dataset, batch_size=32, shuffle=False)

print(f"Classes: {train_dataset.classes}")
print(f"Train: {len(train_dataset)}, Val: {len(val_dataset)}, Test: {len(test_dataset)}")


# Function to show images
def imshow(img):
    img = img / 2 + 0.5  # unnormalize
    npimg = img.numpy()
    plt.imshow(np.transpose(npimg, (1, 2, 0)))
    plt.show()


# Get some random training images
dataiter = iter(train_loader)
images, labels = next(dataiter)
imshow(torchvision.utils.make_grid(images[:8]))
print(' '.join(f'{train_dataset.classes[labels[j]]}' for j in range(8)))
