# %% [markdown]
# Exercise 2c - feature maps. Hook approach from discuss.pytorch.org/t/visualize-feature-map/29597 as used in github.com/praritagarwal/Visualizing-CNN-Layers

# %%
import torch
import torch.nn as nn
import matplotlib.pyplot as plt

activation = {}


def get_activation(name):
    def hook(m, i, o):
        activation[name] = o.detach()
    return hook


# %%
def feature_maps(model, images):
    first_conv = None
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            first_conv = m
            break
    first_conv.register_forward_hook(get_activation('conv1'))
    with torch.no_grad():
        model(images)
    return torch.relu(activation['conv1'])


# %%
def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        if i < maps.shape[0]:
            ax.imshow(maps[i].numpy(), cmap='gray')
            ax.set_title('ch %d' % i)
        ax.axis('off')
    fig.tight_layout()
    return fig


# %%
# net and images come from the 2a notebook (%run ./simplecnn_2a.ipynb)
maps = feature_maps(net, images)
print(maps.shape)

# %%
fig = plot_feature_maps(maps[0].cpu())
fig.savefig('2c_feature_maps.png', dpi=150)
