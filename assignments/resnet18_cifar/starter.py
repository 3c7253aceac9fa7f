# %% [markdown]
# # ResNet18 on CIFAR-10 (section 8.4)
#
# Fill in the two functions, then run `grader check resnet18_cifar starter.py`.

# %%
import torch
import torchvision
from torchvision import transforms


def build_model():
    """torchvision's ResNet18 with 10 outputs, no pretrained weights."""
    # TODO: torchvision.models.resnet18(...)
    raise NotImplementedError("TODO: write build_model")


def make_transform():
    """The chapter's CIFAR-10 transform: Resize(32), ToTensor, Normalize with 0.5 per channel."""
    # TODO: transforms.Compose([...])
    raise NotImplementedError("TODO: write make_transform")


# %% tags=["skip-grading"]
# Training as in the chapter (slow on a CPU); the grader skips this cell and trains your model itself.
if __name__ == "__main__":
    from torch import nn, optim

    trainset = torchvision.datasets.CIFAR10(root="./data", train=True, download=True, transform=make_transform())
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
    model = build_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for images, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
