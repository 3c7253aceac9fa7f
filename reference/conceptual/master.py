# %% [raw]
# # ASSIGNMENT
# # Exercise 1a-d: the chapter's conceptual questions, answered in prose and graded by hand against a rubric
# # (grader serve). Each answer sits under a heading that starts with the question's id ("## 1a").
# schema_version = 1
# kind = "written"
# name = "conceptual"
# title = "Conceptual questions on CNNs (exercise 1a-d)"
# description = "Four short answers on convolution, padding, pooling and ReLU, graded by rubric."
#
# [[question]]
# id = "1a"
# title = "Explain how convolution helps in feature extraction."
# points = 4
# max_words = 250
#   [[question.rubric]]
#   id = "sliding"
#   points = 1
#   description = "A small kernel (filter) slides over the image, a dot product with each local region"
#   keywords = ["slide", "sliding", "kernel", "filter", "dot product"]
#   [[question.rubric]]
#   id = "patterns"
#   points = 1
#   description = "Each filter responds to a local pattern (edges, textures, corners): the feature map shows where it occurs"
#   keywords = ["edge", "texture", "corner", "pattern", "feature map"]
#   [[question.rubric]]
#   id = "shared"
#   points = 1
#   description = "Weights are shared across positions: few parameters, the same detector everywhere (translation equivariance)"
#   keywords = ["shar", "same weights", "parameters", "equivarian", "translation"]
#   [[question.rubric]]
#   id = "hierarchy"
#   points = 1
#   description = "Stacked layers build complex features from simple ones (a hierarchy), learned from data rather than hand-made"
#   keywords = ["hierarch", "deeper", "stack", "learn"]
#   [[question.rubric]]
#   id = "wrong_fully_connected"
#   points = -1
#   description = "Claims convolution connects every input pixel to every output (confuses it with a fully connected layer)"
#
# [[question]]
# id = "1b"
# title = "What is the role of padding in CNNs?"
# points = 3
# max_words = 200
#   [[question.rubric]]
#   id = "preserve_size"
#   points = 1
#   description = "Padding (usually zeros) around the border keeps the output the same size as the input ('same' padding)"
#   keywords = ["same size", "preserve", "output size", "same padding", "dimension"]
#   [[question.rubric]]
#   id = "edges"
#   points = 1
#   description = "Border pixels are seen by as many kernel positions as inner ones: edge information is not lost"
#   keywords = ["edge", "border", "corner"]
#   [[question.rubric]]
#   id = "valid_vs_same"
#   points = 1
#   description = "Names valid (no padding: the output shrinks) against same padding, or gives the size formula"
#   keywords = ["valid", "shrink", "formula", "(n + 2p"]
#   [[question.rubric]]
#   id = "wrong_adds_information"
#   points = -1
#   description = "Claims padding adds information about the image or increases accuracy by itself"
#
# [[question]]
# id = "1c"
# title = "Differentiate between max pooling and average pooling."
# points = 3
# max_words = 200
#   [[question.rubric]]
#   id = "max"
#   points = 1
#   description = "Max pooling keeps the largest value of each window: the strongest response, sharp features"
#   keywords = ["maximum", "largest", "max pooling"]
#   [[question.rubric]]
#   id = "average"
#   points = 1
#   description = "Average pooling keeps the mean of each window: smoother, keeps background information"
#   keywords = ["average", "mean", "smooth"]
#   [[question.rubric]]
#   id = "common_purpose"
#   points = 1
#   description = "Both reduce the spatial size (computation, overfitting) and give some translation invariance"
#   keywords = ["reduce", "downsampl", "invarian", "computation", "overfit"]
#   [[question.rubric]]
#   id = "wrong_parameters"
#   points = -1
#   description = "Claims pooling layers have weights that are learned"
#
# [[question]]
# id = "1d"
# title = "Why is ReLU preferred as an activation function in CNNs?"
# points = 3
# max_words = 200
#   [[question.rubric]]
#   id = "nonlinear"
#   points = 1
#   description = "ReLU(x) = max(0, x) adds the non-linearity without which stacked layers collapse into one linear map"
#   keywords = ["non-linear", "nonlinear", "max(0"]
#   [[question.rubric]]
#   id = "gradient"
#   points = 1
#   description = "Its gradient is 1 for positive inputs: no vanishing gradient as with sigmoid or tanh"
#   keywords = ["vanishing", "gradient", "sigmoid", "tanh", "saturat"]
#   [[question.rubric]]
#   id = "cheap_sparse"
#   points = 1
#   description = "Cheap to compute, and gives sparse activations"
#   keywords = ["cheap", "fast", "efficient", "sparse", "simple"]
#   [[question.rubric]]
#   id = "wrong_dying"
#   points = -1
#   description = "Claims ReLU has no drawbacks at all (dying ReLU: units stuck at 0) or that it is linear"

# %% [markdown] tags=["readme-only"]
# # Assignment `conceptual`: the chapter's conceptual questions (exercise 1a-d)
#
# Answer four questions in a few sentences each. Your answers are read and graded by your instructor
# against a rubric; nothing is graded automatically.
#
# | question | points | words at most |
# | --- | --- | --- |
# | 1a. Explain how convolution helps in feature extraction. | 4 | 250 |
# | 1b. What is the role of padding in CNNs? | 3 | 200 |
# | 1c. Differentiate between max pooling and average pooling. | 3 | 200 |
# | 1d. Why is ReLU preferred as an activation function in CNNs? | 3 | 200 |
#
# ## How to hand in
#
# Either file works:
#
# - **Markdown** ([`starter.md`](starter.md)): write each answer under its heading. The grader finds an answer
#   by the question's id at the start of its heading (`## 1a`, `## 1a. Explain how ...`), so keep the headings;
#   everything up to the next question's heading is your answer. The starter's `<!-- ... -->` placeholders
#   are not part of an answer: an answer left as the placeholder counts as empty.
# - **Notebook** ([`starter.ipynb`](starter.ipynb)): write each answer in the Markdown cell under the question.
#   Those cells carry the question's id as a cell tag (`1a` ... `1d`; View → Cell Toolbar → Tags in Jupyter):
#   keep the tags.
#
# Your report says, for each question, how many words the grader found, or why it found none: no heading
# (or tagged cell) for that question, an empty answer, or an answer over the word limit (it is still read,
# and your instructor sees that it is too long). A file over 1 MB or not in UTF-8 is not read at all.
#
# ## How it is graded
#
# Each question has rubric items, worth points (or, for a common misconception, a deduction). Your
# instructor marks the items your answer earns and may add a comment; the question's score is the sum,
# between 0 and its points. You see the items, the comment and the points once your instructor releases
# the grades.

# %% [markdown] tags=["starter-only"]
# # Exercise 1: conceptual questions
#
# Write each answer under its question, in plain prose, a few sentences to a paragraph. The grader finds your
# answers by the question's id: keep the headings as they are (`## 1a. ...`), and in the notebook keep each
# answer cell's tag (`1a` … `1d`, shown with View → Cell Toolbar → Tags).

# %% [markdown] tags=["starter-only"]
# ## 1a. Explain how convolution helps in feature extraction.

# %% [markdown] tags=["1a", "starter-only"]
# <!-- your answer here: at most 250 words -->

# %% [markdown] tags=["starter-only"]
# ## 1b. What is the role of padding in CNNs?

# %% [markdown] tags=["1b", "starter-only"]
# <!-- your answer here: at most 200 words -->

# %% [markdown] tags=["starter-only"]
# ## 1c. Differentiate between max pooling and average pooling.

# %% [markdown] tags=["1c", "starter-only"]
# <!-- your answer here: at most 200 words -->

# %% [markdown] tags=["starter-only"]
# ## 1d. Why is ReLU preferred as an activation function in CNNs?

# %% [markdown] tags=["1d", "starter-only"]
# <!-- your answer here: at most 200 words -->
