"""After github.com/yixin789/CNN-AutoEncoder-ANN-Traffic_Sign_Recogniton utils/training.py (train_one_epoch(model, loader, optimizer, criterion, device, ...): the optimizer before the criterion), github.com/kamalesh0406/Audio-Classification validate.py (tab-indented, returns 100*correct/total) and github.com/reubenadams/Simple-Diffusion-Model data_preparation.py (MNIST mean/std, test batch 1000)."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_loaders(root, batch_size=64):
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
    ])

    train_dataset = datasets.MNIST(root=root, train=True, download=True, transform=transform)
    train_loader = DataLoader(train_dataset, batch_size=batch_size, shuffle=True)

    test_dataset = datasets.MNIST(root=root, train=False, download=True, transform=transform)
    test_loader = DataLoader(test_dataset, batch_size=1000, shuffle=False)

    return train_loader, test_loader


# utils/training.py
def train_one_epoch(model, loader, optimizer, criterion, device="cpu", epoch_num=0): # Added epoch_num for conditional printing
    model.train()
    running_loss = 0.0
    for batch_idx, (images, labels) in enumerate(loader): # Added batch_idx for conditional printing
        optimizer.zero_grad()
        outputs = model(images.to(device))
        loss = criterion(outputs, labels.to(device))
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if epoch_num == 0 and batch_idx % 200 == 0:
            print(f"  batch {batch_idx}: loss {loss.item():.4f}")
    return running_loss / len(loader)


def evaluate(model, loader, device="cpu"):
	correct = 0
	total = 0
	model.eval()
	with torch.no_grad():
		for batch_idx, data in enumerate(loader):
			inputs = data[0].to(device)
			target = data[1].to(device)

			outputs = model(inputs)

			_, predicted = torch.max(outputs.data, 1)
			total += target.size(0)
			correct += (predicted == target).sum().item()

	return (100*correct/total)


class CNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
                                        nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


if __name__ == "__main__":
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader, test_loader = make_loaders("./data")
    model = CNN().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(5):
        avg_loss = train_one_epoch(model, train_loader, optimizer, criterion, device, epoch_num=epoch)
        acc = evaluate(model, test_loader, device)
        print(f"Epoch {epoch + 1}: loss {avg_loss:.4f}, test accuracy {acc:.2f}%")
