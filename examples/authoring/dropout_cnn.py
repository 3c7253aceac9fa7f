# %% [raw]
# # ASSIGNMENT
# # A worked master for `grader assign` (README "Writing an assignment"): a new exercise, not one of the chapter's.
# schema_version = 1
# name = "dropout_cnn"
# title = "A small CNN with Dropout for MNIST"
# dataset = "mnist"
# entry = "DropoutCNN"
# description = "Two conv blocks, then Dropout before the classifier: 28×28 grayscale digits into 10 classes."
#
# [budgets]            # seconds for the whole hand-in, per device class
# cpu = 300
# cuda = 120
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[8, 1, 28, 28], [1, 1, 28, 28]]
# points = 2
#
# [[check]]
# id = "architecture"
# probe = "architecture"
# layer_types = ["Conv2d", "Linear", "Dropout"]   # the Dropout layer is part of the brief
# points = 2
#
# [[check]]
# id = "layer_shapes"
# probe = "layer_shapes"
# points = 1
#
# [[check]]
# id = "gradient_flow"
# probe = "gradient_flow"
# points = 1
#
# [[check]]
# id = "reference_gradients"   # the reference's weights in the student's model: the same loss and gradients?
# probe = "reference_gradients"
# rtol = 1e-4
# atol = 1e-5
# points = 2
# hidden = true
#
# [[check]]
# id = "test_accuracy"
# probe = "test_accuracy"
# protocol = "quick"
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 150, cuda = 60 }
# points = 2
# hidden = true

# %% [markdown]
# # `dropout_cnn`: a small CNN with Dropout for MNIST
#
# Write the class **`DropoutCNN`**, a subclass of `torch.nn.Module` whose constructor takes no
# required arguments. `forward(x)` takes float images `x` of shape `[N, 1, 28, 28]` and returns
# logits of shape `[N, 10]` (no softmax). `N` can be any batch size, including 1.
#
# | layer | what it is |
# | --- | --- |
# | `conv1` | `nn.Conv2d`, 1 → 8 channels, kernel 3, padding 1, then ReLU and 2 × 2 max pooling |
# | `conv2` | `nn.Conv2d`, 8 → 16 channels, kernel 3, padding 1, then ReLU and 2 × 2 max pooling |
# | `dropout` | `nn.Dropout(p=0.25)`, after flattening (keep the batch dimension) |
# | `fc` | `nn.Linear`, 16 × 7 × 7 → 10 |
#
# Check your work with `grader check dropout_cnn <your file>` (or `check("dropout_cnn")` in the
# notebook). Some checks are **hidden**: they count towards your grade but `grader check` does not
# show them; one of them trains your model for a short while and compares its test accuracy with
# the reference's.

# %% tags=["instructor-only"]
"""Reference solution for `dropout_cnn`: two conv blocks and Dropout before the classifier (9,098 parameters)."""

# %%
import torch
import torch.nn as nn
import torch.nn.functional as F


class DropoutCNN(nn.Module):
    """Input: float images [N, 1, 28, 28]. Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: conv1, pool, conv2, dropout and fc, as the table above says
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(p=0.25)
        self.fc = nn.Linear(16 * 7 * 7, 10)
        # END SOLUTION

    def forward(self, x):
        # TODO: conv1 -> ReLU -> pool, conv2 -> ReLU -> pool, flatten, dropout, fc
        # BEGIN SOLUTION
        x = self.pool(F.relu(self.conv1(x)))  # [N, 8, 14, 14]
        x = self.pool(F.relu(self.conv2(x)))  # [N, 16, 7, 7]
        x = torch.flatten(x, 1)               # [N, 784]
        return self.fc(self.dropout(x))       # [N, 10]
        # END SOLUTION


# %% [markdown]
# ## Try it

# %% tags=["skip-grading"]
if __name__ == "__main__":
    # Runs only when you run this file yourself, never when the grader imports it.
    model = DropoutCNN()
    print(model(torch.randn(2, 1, 28, 28)).shape)  # expect torch.Size([2, 10])
