# %% [markdown]
# # Exercise 2d: transfer learning with VGG16
#
# Reuse VGG16, trained on ImageNet, to classify CIFAR-10 images (10 classes):
#
# 1. load `torchvision.models.vgg16(weights=weights)`;
# 2. **freeze** the pretrained feature extractor `model.features` (`requires_grad = False`);
# 3. **replace** the last layer `model.classifier[6]` (4096 → 1000 ImageNet classes) by a new
#    `nn.Linear(4096, 10)`, which stays trainable;
# 4. build an **optimizer over exactly the trainable parameters**.
#
# Fill in the two TODOs, then run `grader check vgg16_transfer starter.py` (copy this file under
# any name; the grader only looks for `build_model` and `make_optimizer`).

# %%
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    """VGG16 adapted to 10 classes. `weights=None`: random weights (the grader's quick checks);
    `weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1`: the pretrained ImageNet weights."""
    model = torchvision.models.vgg16(weights=weights)
    # TODO: freeze the feature extractor (at least every parameter of model.features), then
    #       replace model.classifier[6] by a new nn.Linear(4096, 10).
    raise NotImplementedError("TODO: write build_model")
    return model


def make_optimizer(model):
    """An optimizer over exactly the parameters of `model` that have requires_grad=True."""
    # TODO: e.g. torch.optim.Adam(<the trainable parameters>, lr=1e-3)
    raise NotImplementedError("TODO: write make_optimizer")


# %% [markdown]
# Quick look (cheap: random weights, two CIFAR-sized images). Expect `torch.Size([2, 10])` and
# 40,970 trainable parameters if only the new layer trains.

# %%
if __name__ == "__main__":
    model = build_model()
    print(model(torch.randn(2, 3, 32, 32)).shape)
    print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")

# %% [markdown]
# Fine-tuning on CIFAR-10 with the pretrained weights (downloads 528 MB once, then trains; slow on
# a CPU). The grader never runs this cell: it fine-tunes your model itself.

# %% tags=["skip-grading"]
if __name__ == "__main__":
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
    model = build_model(weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1)
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
