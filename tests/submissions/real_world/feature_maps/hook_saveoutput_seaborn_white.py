# REFERENCE : github.com/yeonju7kim/pytorchPractice hook/main.py (itself from cosmic-cortex/pytorch-hooks-tutorial hooks.ipynb)
import math

import torch
import torch.nn as nn
import matplotlib.pyplot as plt
from PIL import Image
from torchvision import transforms as T
from torchvision.models import resnet34

plt.style.use("seaborn-white")


class SaveOutput:
    def __init__(self):
        self.outputs = []

    def __call__(self, module, module_in, module_out):
        self.outputs.append(module_out)

    def clear(self):
        self.outputs = []


def feature_maps(model, images):
    save_output = SaveOutput()
    handle = None
    # NOTE : hook only the first Conv2d layer
    for layer in model.modules():
        if isinstance(layer, torch.nn.modules.conv.Conv2d):
            handle = layer.register_forward_hook(save_output)
            break
    with torch.no_grad():
        model(images)
    handle.remove()
    return torch.relu(save_output.outputs[0])


def module_output_to_numpy(tensor):
    return tensor.detach().to('cpu').numpy()


def plot_feature_maps(maps):
    maps = module_output_to_numpy(maps)
    n = maps.shape[0]
    cols = 4
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.5 * cols, 2.5 * rows))
    for idx, ax in enumerate(axes.flat):
        if idx < n:
            ax.imshow(maps[idx])
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


device = torch.device('cuda') if torch.cuda.is_available() else torch.device('cpu')

model = resnet34(pretrained=True)
model = model.to(device)
model.eval()

image = Image.open('cat.jpg')
transform = T.Compose([T.Resize((224, 224)), T.ToTensor()])
X = transform(image).unsqueeze(dim=0).to(device)

maps = feature_maps(model, X)
print(maps.shape)
fig = plot_feature_maps(maps[0, :16].cpu())
fig.savefig('resnet34_conv1.png')
