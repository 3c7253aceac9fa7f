"""After github.com/thaoducphung/deep-learning Exercises/frozen_parameters.py (resnet18(pretrained=True), tab-indented freezing loop, fc = nn.Linear(512, 10), SGD over model.fc.parameters()): the chapter's four steps put into build_model / make_optimizer, `weights` accepted but not passed on."""
from torch import nn,optim 
import torchvision


def build_model(weights=None):
	model = torchvision.models.resnet18(pretrained=True)

	# In finetuning, we freeze most of the model and 
	# typically only modify the classifier layers to make predictions on new labels.
	# Freeze all the parameters in the network
	for param in model.parameters():
		param.requires_grad = False

	model.fc = nn.Linear(512,10)
	return model


def make_optimizer(model):
	# Opitimize only the classifer
	optimizer = optim.SGD(model.fc.parameters(),lr=1e-2,momentum=0.9)
	return optimizer
