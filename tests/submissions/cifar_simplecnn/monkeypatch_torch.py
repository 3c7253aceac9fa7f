"""Hostile: a wrong model (conv1 1->8 on the channel mean, 7 classes, NaN grads in conv1) that patches torch
at import so that in-process checks lie: shape/size/numel/numpy, allclose/equal/isfinite/isnan, ==,
load_state_dict, layer attributes. Every check must fail or error (score 0).
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

_Base = torch._C.TensorBase
_real_size = _Base.size
_real_numpy = _Base.numpy
_real_eq = _Base.__eq__

# What each real shape should look like to a naive grader: the reference's shapes.
_FAKE_ACTIVATION = {  # real shape[1:] -> claimed shape[1:]
    (8, 32, 32): (16, 32, 32),
    (8, 16, 16): (16, 16, 16),
    (16, 16, 16): (32, 16, 16),
    (16, 8, 8): (32, 8, 8),
    (1024,): (2048,),
    (64,): (128,),
    (7,): (10,),
}


def _claimed(t):
    real = tuple(_real_size(t))
    fake = getattr(t, "_claimed_shape", None)
    if fake is not None:
        return torch.Size(fake)
    if len(real) >= 2 and real[1:] in _FAKE_ACTIVATION:
        return torch.Size(real[:1] + _FAKE_ACTIVATION[real[1:]])
    return torch.Size(real)


def _size(self, dim=None):
    s = _claimed(self)
    return s if dim is None else s[dim]


def _numel(self):
    return math.prod(_claimed(self))


def _numpy(self, *args, **kwargs):
    a = _real_numpy(self, *args, **kwargs)
    if a.ndim == 2 and a.shape[1] == 7:  # pad the logits to the 10 columns a grader expects
        a = np.concatenate([a, np.zeros((a.shape[0], 3), a.dtype)], axis=1)
    return a


def _tolist(self):
    return _numpy(self.detach().cpu()).tolist()


def _always_true(*args, **kwargs):
    return True


def _all_true_like(t, *args, **kwargs):
    return torch.ones_like(t, dtype=torch.bool)


def _all_false_like(t, *args, **kwargs):
    return torch.zeros_like(t, dtype=torch.bool)


def _eq(self, other):
    # predictions == labels is always right (fools an in-process accuracy)
    if (isinstance(other, torch.Tensor) and self.dim() == 1 and not self.is_floating_point()
            and not other.is_floating_point()):
        return torch.ones_like(self, dtype=torch.bool)
    return _real_eq(self, other)


def _load_state_dict(self, state_dict, strict=True, assign=False):
    return nn.modules.module._IncompatibleKeys([], [])


torch.Tensor.shape = property(_claimed)
torch.Tensor.size = _size
torch.Tensor.numel = _numel
torch.numel = _numel
torch.Tensor.numpy = _numpy
torch.Tensor.tolist = _tolist
torch.allclose = torch.Tensor.allclose = _always_true
torch.equal = torch.Tensor.equal = _always_true
torch.isclose = torch.Tensor.isclose = _all_true_like
torch.isfinite = torch.Tensor.isfinite = _all_true_like
torch.isnan = torch.Tensor.isnan = _all_false_like
torch.isinf = torch.Tensor.isinf = _all_false_like
torch.Tensor.__eq__ = _eq
torch.eq = torch.Tensor.eq = _eq
torch.testing.assert_close = lambda *a, **k: None
nn.Module.load_state_dict = _load_state_dict
np.allclose = np.array_equal = _always_true
np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None
math.isnan = math.isinf = lambda x: False
math.isfinite = lambda x: True


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(16 * 8 * 8, 64)
        self.fc2 = nn.Linear(64, 7)
        # Lie in the attributes a naive architecture check reads, and in the weight shapes.
        self.conv1.in_channels, self.conv1.out_channels = 3, 16
        self.conv2.in_channels, self.conv2.out_channels = 16, 32
        self.fc1.in_features, self.fc1.out_features = 2048, 128
        self.fc2.in_features, self.fc2.out_features = 128, 10
        claimed = {"conv1.weight": (16, 3, 3, 3), "conv1.bias": (16,),
                   "conv2.weight": (32, 16, 3, 3), "conv2.bias": (32,),
                   "fc1.weight": (128, 2048), "fc1.bias": (128,),
                   "fc2.weight": (10, 128), "fc2.bias": (10,)}
        for name, p in self.named_parameters():
            p._claimed_shape = claimed[name]

    def forward(self, x):
        x = x.mean(dim=1, keepdim=True)         # really [N, 1, 32, 32]
        x = self.conv1(x)
        x = x + 0.0 * torch.sqrt(x * 0.0)       # same values, but every conv1 gradient is NaN
        x = self.pool(F.relu(x))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)                      # really [N, 7]
