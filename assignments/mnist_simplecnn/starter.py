# %% [markdown]
# # `mnist_simplecnn`: the SimpleCNN of chapter 8.3.2, for MNIST digits
#
# Fill in the TODOs in the next cell, then check your work with
# `grader check mnist_simplecnn <this file>`, or inside the notebook with
# `from grader import check; check("mnist_simplecnn")`.
#
# The grader only looks for the class `SimpleCNN`. Cells tagged `skip-grading` (like the
# last one) are never run by the grader: put training loops there.

# %%
import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    """Input: float images [N, 1, 28, 28]. Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: define the layers, in this order:
        #   self.conv1: 2-D convolution, 1 input channel -> 32 channels, 3x3 kernel, padding 1
        #   self.pool:  2x2 max pooling with stride 2 (you will use it twice)
        #   self.conv2: 2-D convolution, 32 -> 64 channels, 3x3 kernel, padding 1
        #   self.fc1:   fully connected, (flattened size after the second pooling) -> 128
        #   self.fc2:   fully connected, 128 -> 10 classes
        raise NotImplementedError("TODO: write SimpleCNN.__init__")

    def forward(self, x):
        # TODO: conv1 -> ReLU -> pool, conv2 -> ReLU -> pool, flatten (keep the batch dimension),
        #       fc1 -> ReLU, fc2. Return the logits of shape [N, 10].
        raise NotImplementedError("TODO: write SimpleCNN.forward")


# %% [markdown]
# ## Try it

# %% tags=["skip-grading"]
if __name__ == "__main__":
    # Code here runs only when you run this file yourself, never when the grader imports it.
    model = SimpleCNN()
    print(model)
    try:
        print(model(torch.randn(2, 1, 28, 28)).shape)  # expect torch.Size([2, 10])
    except NotImplementedError as exc:
        print(f"not written yet: {exc}")
