"""Wrong stage: hooks the first pooling layer, so the maps are after conv1 -> ReLU -> pool."""
import matplotlib.pyplot as plt
import torch


def feature_maps(model, images):
    pool = next(m for m in model.modules() if type(m).__name__.endswith("Pool2d"))
    out = []
    handle = pool.register_forward_hook(lambda m, i, o: out.append(o))
    with torch.no_grad():
        model(images)
    handle.remove()
    return out[0]


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i])
        ax.axis("off")
    return fig
