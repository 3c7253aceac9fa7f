"""cnn-grader: an autograder for the PyTorch CNN chapter's exercises."""
__version__ = "0.1.0"
