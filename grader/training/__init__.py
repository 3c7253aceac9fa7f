"""The grader's own training, run inside the child on a submission's model: the datasets and what is staged for
the child (data, staged), the seeded protocols (train), one step eager or from a CUDA graph (steps), and the
chapter's models as fixtures (models)."""
