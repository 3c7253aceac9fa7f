# %% [markdown]
# # 2d - VGG16 transfer (VS Code cells). Freezes only `features`, like github.com/enzofaceroli/CIFAR-10_Classification_DCC197 models/vgg16_transfer.py intends

# %%
import torch
import torch.nn as nn
import torchvision
from torchvision import datasets, transforms
from tqdm.auto import tqdm

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


# %%
def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for p in model.features.parameters():
        p.requires_grad = False          # conv layers frozen
    in_features = model.classifier[-1].in_features
    model.classifier[-1] = nn.Linear(in_features, 10)
    return model


def make_optimizer(model):
    head = list(model.classifier[6].parameters())
    head_ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    return torch.optim.Adam([
        {"params": head, "lr": 1e-3},
        {"params": rest, "lr": 1e-4},   # small lr for the pretrained fc layers
    ])


# %%
model = build_model(weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1).to(device)
optimizer = make_optimizer(model)
print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable")

# %%
norm = transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
train_ds = datasets.CIFAR10("./data", train=True, download=True,
                            transform=transforms.Compose([transforms.ToTensor(), norm]))
train_dl = torch.utils.data.DataLoader(train_ds, batch_size=64, shuffle=True)

# %%
criterion = nn.CrossEntropyLoss()
model.train()
for epoch in range(1):
    pbar = tqdm(train_dl)
    for x, y in pbar:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        pbar.set_postfix(loss=f"{loss.item():.3f}")
