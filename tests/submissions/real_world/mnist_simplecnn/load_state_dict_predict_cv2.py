# after github.com/wierzba100/Mnist_Vitis_Ai test.py and github.com/sea-wyq/pytorch-MNIST inference.py (load weights, predict own digit with OpenCV)
import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import transforms

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

model_path = "mnist_model.pth"
img_path = "moja_cyfra.png"


# Definicja modelu taka sama jak przy trenowaniu
class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def preprocess(path):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    img = cv2.resize(img, (28, 28), interpolation=cv2.INTER_AREA)
    img = 255 - img  # MNIST ma biale cyfry na czarnym tle
    t = transforms.ToTensor()(img)
    t = transforms.Normalize((0.1307,), (0.3081,))(t)
    return t.unsqueeze(0)


# Wczytanie modelu
model = SimpleCNN().to(device)
model.load_state_dict(torch.load(model_path, map_location=device))
model.eval()

x = preprocess(img_path).to(device)
with torch.no_grad():
    logits = model(x)
    probs = F.softmax(logits, dim=1).cpu().numpy()[0]

print("Rozpoznana cyfra:", int(np.argmax(probs)))
print("Prawdopodobienstwa:", np.round(probs, 3))

cv2.imshow("cyfra", cv2.imread(img_path))
cv2.waitKey(0)
