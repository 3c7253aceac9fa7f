"""After a public lung-disease classifier found by code search (`data_dir = 'Lung Disease Dataset/'`, `datasets.ImageFolder(data_dir + 'train', transform=transform)` for train/val/test, one Resize((224, 224)) + Normalize(0.5) transform for all three, loaders built at the top level) and github.com/ayushidwi12/AyurvedikAi app/model.py (resnet50(pretrained=True), every parameter frozen, fc = Sequential(Linear(2048, 2))): put into the brief's four functions; the class weights are the Kaggle training counts typed in."""
import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
from torchvision import datasets, transforms, models
from torch.utils.data import DataLoader

# Hyperparameters
BATCH_SIZE = 16
EPOCHS = 10
LR = 1e-4

# Image Transformations
transform = transforms.Compose([
    transforms.Resize((224, 224)),
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
])


def make_transforms():
    return transform, transform


# process and split data from data set
def make_datasets(root):
    train_set = datasets.ImageFolder(root + 'train', transform=transform)
    val_set = datasets.ImageFolder(root + 'val', transform=transform)
    test_set = datasets.ImageFolder(root + 'test', transform=transform)
    return train_set, val_set, test_set


def build_model(weights=None):
    resnet = models.resnet50(pretrained=True)
    for param in resnet.parameters():
        param.requires_grad = False
    resnet.fc = nn.Sequential(
        nn.Linear(2048, 2)
    )
    return resnet


def make_criterion(train_dataset):
    # 1341 NORMAL, 3875 PNEUMONIA in the kaggle train folder
    weights = torch.tensor([3875 / 1341, 1.0])
    return nn.CrossEntropyLoss(weight=weights)


# classification labels
classes = ('NORMAL', 'PNEUMONIA')
train_set, val_set, test_set = make_datasets('chest_xray/')
train = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)
val = DataLoader(val_set, batch_size=BATCH_SIZE, shuffle=True)
test = DataLoader(test_set, batch_size=BATCH_SIZE, shuffle=True)

device = 'cpu'
if torch.cuda.is_available():
    print('using gpu')
    device = 'cuda'

model = build_model().to(device)
criterion = make_criterion(train_set).to(device)
optimizer = optim.AdamW(model.fc.parameters(), lr=LR, betas=(0.9, 0.999))

# Train the Model
for epoch in range(EPOCHS):
    model.train()
    trainingLoss = 0.0
    for i, data in enumerate(train, 0):
        inputs, labels = data
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        trainingLoss += loss.item()
    print(f"Epoch {epoch + 1} Average Training Loss: {round(trainingLoss / len(train), 6)}")
