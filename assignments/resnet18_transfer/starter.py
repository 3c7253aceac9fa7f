# %% [markdown]
# # Transfer learning with ResNet18 (section 8.5)
#
# 1. load `torchvision.models.resnet18(weights=weights)`;
# 2. **freeze** every pretrained parameter (`requires_grad = False`);
# 3. **replace** `model.fc` by a new `nn.Linear(model.fc.in_features, 10)` (trainable);
# 4. build an **optimizer over exactly the trainable parameters** (the new layer).
#
# Fill in the TODOs, then run `grader check resnet18_transfer starter.py`.

# %%
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    """ResNet18 adapted to 10 classes. `weights=None`: random weights; the grader passes
    torchvision.models.ResNet18_Weights.IMAGENET1K_V1 to fine-tune from ImageNet."""
    model = torchvision.models.resnet18(weights=weights)
    # TODO: freeze every parameter, then replace model.fc by a new nn.Linear(model.fc.in_features, 10).
    raise NotImplementedError("TODO: write build_model")
    return model


def make_optimizer(model):
    """An optimizer over exactly the parameters of `model` that have requires_grad=True."""
    # TODO: e.g. torch.optim.Adam(model.fc.parameters(), lr=0.001)
    raise NotImplementedError("TODO: write make_optimizer")


# %% [markdown]
# Quick look (random weights): expect `torch.Size([2, 10])` and 5,130 trainable parameters.

# %%
if __name__ == "__main__":
    model = build_model()
    print(model(torch.randn(2, 3, 32, 32)).shape)
    print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")

# %% [markdown]
# Fine-tuning on CIFAR-10 with the pretrained weights (downloads 45 MB once). The grader never runs
# this cell: it fine-tunes your model itself.

# %% tags=["skip-grading"]
if __name__ == "__main__":
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
    model = build_model(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
    optimizer = make_optimizer(model)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for step, (images, labels) in enumerate(trainloader):
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            print(f"step {step}: loss {loss.item():.3f}")
