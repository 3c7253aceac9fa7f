"""Hostile: calls sys.exit(0) at import, before defining SimpleCNN.
The SystemExit must not pass for success or stop the grader: a load error, every check zero.
"""
import sys

print("bye from sys_exit_at_import", flush=True)
sys.exit(0)

import torch.nn as nn  # noqa: E402  (never reached)


class SimpleCNN(nn.Module):  # never reached
    def forward(self, x):
        return x
