"""After github.com/codezzzsleep/machineLearning homework/week9/main.py (+ train.py, test.py of the same week): Normalize((0.1307), (0.3081)), shuffled test loader, no model.train()/model.eval(), running_loss reset every 300 batches, `test` called without parentheses."""
import torch.nn
from torchvision import datasets, transforms
from torch.utils.data import DataLoader, Dataset
from net import Model

batch_size = 64
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.1307), (0.3081))
])


def make_loaders(root, batch_size=64):
    train_dataset = datasets.MNIST(root=root,
                                   train=True,
                                   transform=transform,
                                   download=True)
    train_loader = DataLoader(dataset=train_dataset,
                              batch_size=batch_size,
                              shuffle=True)
    test_dataset = datasets.MNIST(root=root,
                                  train=False,
                                  transform=transform,
                                  download=True)
    test_loader = DataLoader(dataset=test_dataset,
                             batch_size=batch_size,
                             shuffle=True)
    return train_loader, test_loader


model = Model()
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    running_loss = 0.0
    for batch_idx, data in enumerate(loader, 0):
        inputs, labels = data
        y_pred = model(inputs)
        loss = criterion(y_pred, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
        if batch_idx % 300 == 299:
            print('[%d, %5d] loss: %.3f' % (epoch + 1, batch_idx + 1, running_loss / 300))
            running_loss = 0.0
    return running_loss / len(loader)


def evaluate(model, loader, device="cpu"):
    correct = 0
    total = 0
    with torch.no_grad():
        for data in loader:
            images, labels = data
            outputs = model(images)
            _, predicted = torch.max(outputs.data, dim=1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print('Accuracy on test set: %d %%' % (100 * correct / total))
    return correct / total


if __name__ == '__main__':
    train_loader, test_loader = make_loaders('../../dataset/mnist')
    for epoch in range(10):
        train_one_epoch(model, train_loader, criterion, optimizer)
        evaluate
