# 小土堆 (Tudui) PyTorch course style, cf. github.com/alielielie/deeplearning learnTorch/model_pretrained.py: load vgg16 at top, print it, modify, train on CIFAR10
import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader

vgg16_true = torchvision.models.vgg16(pretrained=True)
print(vgg16_true)

train_data = torchvision.datasets.CIFAR10(root="./dataset", train=True,
                                          transform=torchvision.transforms.ToTensor(), download=True)
test_data = torchvision.datasets.CIFAR10(root="./dataset", train=False,
                                         transform=torchvision.transforms.ToTensor(), download=True)
print("训练数据集的长度为：{}".format(len(train_data)))
print("测试数据集的长度为：{}".format(len(test_data)))

train_dataloader = DataLoader(train_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(in_features=4096, out_features=10)
    return model


def make_optimizer(model):
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.SGD(params, lr=1e-2)


model = build_model(torchvision.models.VGG16_Weights.IMAGENET1K_V1)
print(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = make_optimizer(model)

total_train_step = 0
epoch = 3
for i in range(epoch):
    print("-------第 {} 轮训练开始-------".format(i + 1))
    model.train()
    for imgs, targets in train_dataloader:
        outputs = model(imgs)
        loss = loss_fn(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_train_step = total_train_step + 1
        if total_train_step % 100 == 0:
            print("训练次数：{}, Loss: {}".format(total_train_step, loss.item()))

    model.eval()
    total_accuracy = 0
    with torch.no_grad():
        for imgs, targets in test_dataloader:
            outputs = model(imgs)
            total_accuracy = total_accuracy + (outputs.argmax(1) == targets).sum()
    print("整体测试集上的正确率：{}".format(total_accuracy / len(test_data)))
    torch.save(model, "vgg16_{}.pth".format(i))
    print("模型已保存")
