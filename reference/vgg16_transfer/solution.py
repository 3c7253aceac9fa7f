# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution for `vgg16_transfer`: transfer learning with VGG16 (exercise 2d).

The recipe of the chapter's §8.5.2, with VGG16 instead of ResNet18:

1. load torchvision's VGG16 (with the ImageNet weights when `weights` is given);
2. freeze every pretrained parameter (the convolutional `features` and the classifier);
3. replace the last layer, `classifier[6]` (4096 → 1000 ImageNet classes), by a new
   `nn.Linear(4096, 10)`: a new layer is trainable;
4. optimize only the trainable parameters: Adam, lr 1e-3.

    features   13 × (Conv2d 3×3 + ReLU), 5 × MaxPool   frozen      [N, 512, 1, 1] for 32×32
    avgpool    AdaptiveAvgPool2d(7, 7)                              [N, 512, 7, 7]
    classifier Linear(25088, 4096) ReLU Dropout         frozen
               Linear(4096, 4096) ReLU Dropout          frozen
               Linear(4096, 10)                         trainable   [N, 10]

134,301,514 parameters, 40,970 of them trainable. Works for 32×32 CIFAR images (the adaptive
pooling makes the classifier's input 512×7×7 whatever the image size) and for 224×224 ones.
"""


import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    """VGG16 adapted to 10 classes. `weights=None`: random weights (the grader's quick checks);
    `weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1`: the pretrained ImageNet weights."""
    model = torchvision.models.vgg16(weights=weights)
    # TODO: freeze the feature extractor (at least every parameter of model.features), then
    #       replace model.classifier[6] by a new nn.Linear(4096, 10).
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(model.classifier[6].in_features, 10)  # new, trainable
    return model


def make_optimizer(model):
    """An optimizer over exactly the parameters of `model` that have requires_grad=True."""
    # TODO: e.g. torch.optim.Adam(<the trainable parameters>, lr=1e-3)
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
