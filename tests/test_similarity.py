"""Plagiarism flags: real solutions and corpus files, and copies disguised the way a copier would
(other names, comments, layout, order, a notebook), compared with the assignment's starter."""
from __future__ import annotations

import random
import re
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, SUBMISSIONS

from grader.classroom.similarity import similar_pairs, submission_code
from grader.results import SimilarPair

IDENTICAL = "identical after normalising names, comments and layout"
CNN_RENAMES = {"x": "inp", "conv1": "c1", "conv2": "c2", "fc1": "hidden", "fc2": "out", "pool": "down"}
RENAMES = {
    "cifar_simplecnn": CNN_RENAMES,
    "mnist_simplecnn": CNN_RENAMES,
    "batchnorm_cnn": {**CNN_RENAMES, "bn1": "norm_a", "bn2": "norm_b", "BatchNormCNN": "Net"},
    "feature_maps": {"conv": "first", "captured": "saved", "handle": "hook", "maps": "fmaps", "channels": "n",
                     "cols": "ncols", "rows": "nrows", "fig": "figure", "axes": "grid", "ax": "a", "i": "k"},
}


def starter(assignment: str) -> str:
    return (REPO / "assignments" / assignment / "starter.py").read_text()


def solution(assignment: str) -> str:
    return (REPO / "reference" / assignment / "solution.py").read_text()


def disguise(code: str, renames: dict[str, str]) -> str:
    """What a copier changes for free: names, docstring, comments, quotes, blank lines, line breaks, imports."""
    code = re.sub(r'\A(?:#[^\n]*\n)*""".*?"""\n', "", code, flags=re.DOTALL)  # after a generated header
    code = re.sub(r"^[ \t]*#.*\n", "", code, flags=re.MULTILINE)  # comment lines, then trailing comments
    code = re.sub(r"[ \t]*#.*", "", code)
    for old, new in renames.items():
        code = re.sub(rf"\b{old}\b", new, code)
    code = code.replace("import torch.nn as nn", "from torch import nn").replace('"', "'")
    code = re.sub(r"\n( *)(def |class )", r"\n\n\1# my own work\n\1\2", code)
    return re.sub(r"\((\d+), ", r"(\n        \1,\n        ", code)


def swap_functions(code: str, first: str, second: str) -> str:
    """`code` with the top-level function `second` moved before `first`."""
    head, _, rest = code.partition(f"\ndef {first}(")
    one, _, two = rest.partition(f"\ndef {second}(")
    return f"{head}\ndef {second}({two.rstrip()}\n\n\ndef {first}({one}"


def as_notebook(code: str, path: Path) -> Path:
    """`code` as a notebook: one cell per top-level block, after cells of IPython magics."""
    cells = [nbformat.v4.new_code_cell("%matplotlib inline\n!pip install torchsummary"),
             nbformat.v4.new_code_cell("%%bash\nls -la\necho downloading the data set")]
    cells += [nbformat.v4.new_code_cell(block.strip()) for block in code.split("\n\n\n")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.mark.parametrize("assignment", sorted(RENAMES))
def test_disguised_copy_of_a_solution_is_identical(assignment: str) -> None:
    original = solution(assignment)
    copy = disguise(original, RENAMES[assignment])
    assert not {word for word in RENAMES[assignment] if re.search(rf"\b{word}\b", copy)}
    pairs = similar_pairs({"alice": original, "bob": copy}, starter=starter(assignment))
    assert pairs == [SimilarPair("alice", "bob", 1.0, IDENTICAL)]


def test_reordered_copy_with_an_insertion_is_flagged_with_the_matching_functions() -> None:
    original = solution("feature_maps")
    copy = swap_functions(disguise(original, RENAMES["feature_maps"]), "feature_maps", "plot_feature_maps")
    assert copy.index("def plot_feature_maps") < copy.index("def feature_maps")
    assert similar_pairs({"a": original, "b": copy}, starter=starter("feature_maps"))[0].similarity == 1.0
    padded = copy.replace("    figure.tight_layout()", "    figure.suptitle('maps')\n    figure.tight_layout()")
    [pair] = similar_pairs({"a": original, "b": padded}, starter=starter("feature_maps"))
    assert 0.9 <= pair.similarity < 1
    assert pair.detail == f"{int(pair.similarity * 100)}% of normalised code shared; " \
                          f"matching: feature_maps, plot_feature_maps"


def test_notebook_of_the_same_code_is_identical(tmp_path: Path) -> None:
    original = solution("batchnorm_cnn")
    notebook = as_notebook(disguise(original, RENAMES["batchnorm_cnn"]), tmp_path / "copy.ipynb")
    code = submission_code(notebook)
    assert not re.search(r"^\s*[%!]|echo", code, flags=re.MULTILINE) and "class Net(nn.Module)" in code
    assert similar_pairs({"a": original, "b": code}, starter=starter("batchnorm_cnn"))[0].similarity == 1.0


@pytest.mark.parametrize("assignment", ["cifar_simplecnn", "mnist_simplecnn", "batchnorm_cnn"])
def test_independent_correct_solutions_are_not_flagged(assignment: str) -> None:
    codes = {p.stem: submission_code(p) for p in (SUBMISSIONS / assignment).glob("correct_*.py")}
    assert len(codes) == 2
    assert similar_pairs({**codes, "reference": solution(assignment)}, starter=starter(assignment)) == []


def test_import_aliases_are_normalised_library_names_are_not() -> None:
    original = solution("cifar_simplecnn")
    alias = original.replace(" as F\n", " as fun\n").replace("F.relu(", "fun.relu(")
    other = original.replace("F.relu(", "torch.relu(")
    pairs = similar_pairs({"a": original, "b": alias, "c": other}, threshold=0)
    assert [(p.first, p.second, round(p.similarity, 2)) for p in pairs] == [
        ("a", "b", 1.0), ("a", "c", 0.76), ("b", "c", 0.76)]


def test_untouched_starters_are_not_flagged() -> None:
    text = starter("feature_maps")
    notebook = submission_code(REPO / "assignments" / "feature_maps" / "starter.ipynb")
    assert similar_pairs({"a": text, "b": notebook, "c": text}, starter=text) == []
    assert similar_pairs({"a": text, "b": notebook, "c": text}) == [  # the same without knowing the starter
        SimilarPair(*pair, 1.0, IDENTICAL) for pair in [("a", "b"), ("a", "c"), ("b", "c")]]


def test_the_same_few_statements_beyond_the_starter_are_not_flagged() -> None:
    text = starter("cifar_simplecnn")
    few = text.replace("        super().__init__()\n", "        super().__init__()\n"
                       "        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)\n"
                       "        self.pool = nn.MaxPool2d(2, 2)\n        self.fc2 = nn.Linear(128, 10)\n")
    assert similar_pairs({"a": few, "b": few}, starter=text) == []  # below MIN_FINGERPRINTS
    assert similar_pairs({"a": solution("cifar_simplecnn"), "b": solution("cifar_simplecnn")}, starter=text)


def test_a_solution_that_fits_in_a_few_lines_is_never_flagged() -> None:
    original = solution("vgg16_transfer")
    copy = disguise(original, {"model": "net", "param": "w"})
    assert similar_pairs({"a": original, "b": copy}, starter=starter("vgg16_transfer")) == []


def test_code_that_does_not_parse_is_repaired_or_empty(tmp_path: Path) -> None:
    original = solution("cifar_simplecnn")
    broken = disguise(original, CNN_RENAMES).replace("def forward(self, inp):", "def forward(self, inp)")
    assert similar_pairs({"a": original, "b": broken}) == [SimilarPair("a", "b", 1.0, IDENTICAL)]
    (tmp_path / "binary.py").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "binary.ipynb").write_bytes(b"\xff\xfe\x00garbage" * 100)
    (tmp_path / "latin1.py").write_bytes(solution("cifar_simplecnn").replace("RGB", "RVB é").encode("latin-1"))
    (tmp_path / "garbage.py").write_text("def (((:\n  )) return\n\tclass\n" * 40)
    (tmp_path / "folder").mkdir()
    paths = [*sorted((SUBMISSIONS / "notebooks").glob("*.ipynb")), *sorted(tmp_path.iterdir()),
             tmp_path / "missing.py", SUBMISSIONS / "cifar_simplecnn" / "syntax_error.py"]
    codes = {p.name: submission_code(p) for p in paths}
    for name in ["binary.py", "binary.ipynb", "invalid_json.ipynb", "not_a_notebook.ipynb", "empty.ipynb",
                 "nbformat_v2.ipynb", "folder", "missing.py"]:
        assert codes[name] == "", name
    assert "class SimpleCNN" in codes["latin1.py"] and "class SimpleCNN" in codes["nbformat_v3.ipynb"]
    flagged = {(p.first, p.second) for p in similar_pairs(codes, starter=starter("cifar_simplecnn"))}
    assert {("correct.ipynb", "latin1.py"), ("latin1.py", "syntax_error.py")} <= flagged
    assert "garbage.py" not in {name for pair in flagged for name in pair}


def test_a_folder_reads_its_python_files_else_its_notebooks(tmp_path: Path) -> None:
    (tmp_path / "sub" / "a").mkdir(parents=True)
    (tmp_path / "sub" / "b.py").write_text("B = 2\n")
    (tmp_path / "sub" / "a" / "x.py").write_text("A = 1\n")
    (tmp_path / "sub" / "__MACOSX").mkdir()
    (tmp_path / "sub" / "__MACOSX" / "._b.py").write_bytes(b"\x00\x05binary")
    assert submission_code(tmp_path / "sub") == "A = 1\n\nB = 2\n"
    (tmp_path / "nb" / ".ipynb_checkpoints").mkdir(parents=True)
    as_notebook("C = 3", tmp_path / "nb" / "work.ipynb")
    as_notebook("D = 4", tmp_path / "nb" / ".ipynb_checkpoints" / "work-checkpoint.ipynb")
    assert submission_code(tmp_path / "nb") == "C = 3"


def test_pairs_are_ordered_and_described() -> None:
    """The cifar corpus is mostly the reference with one fault each: many near-identical pairs."""
    codes = {p.stem: submission_code(p) for p in (SUBMISSIONS / "cifar_simplecnn").glob("*.py")}
    pairs = similar_pairs({**codes, "reference": solution("cifar_simplecnn")}, starter=starter("cifar_simplecnn"))
    assert [(p.first, p.second, round(p.similarity, 2)) for p in pairs] == [
        ("missing_class", "syntax_error", 1.0),  # syntax_error.py repaired: `def forward(self, x)` gets its colon
        ("import_error", "missing_class", 0.98),
        ("import_error", "syntax_error", 0.98),
        ("missing_class", "wrong_num_classes", 0.98),
        ("syntax_error", "wrong_num_classes", 0.98),
        ("import_error", "wrong_num_classes", 0.96),
        ("detached_output", "reference", 0.96),
        ("missing_class", "reference", 0.91),
        ("reference", "syntax_error", 0.91),
    ]
    assert pairs[1].detail == "97% of normalised code shared; matching: class SimpleCNN"
    assert pairs[3].detail == "97% of normalised code shared; matching: class SimpleCnn"  # the first's name


def variants(count: int, seed: int = 0) -> dict[str, str]:
    """`count` hand-ins of about 100 lines: four corpus files each, their numbers changed at random."""
    rng = random.Random(seed)
    files = [p.read_text() for p in sorted(SUBMISSIONS.glob("*/*.py"))]
    return {f"s{i:03}": "\n".join(re.sub(r"\b\d+\b", lambda m: str(int(m[0]) + rng.randint(0, 3)), text)
                                  for text in rng.sample(files, 4)) for i in range(count)}


def test_a_class_of_300() -> None:
    codes = variants(299)
    codes["s299"] = disguise(codes["s007"], {"x": "inp", "model": "net"})
    pairs = similar_pairs(codes, starter=starter("cifar_simplecnn"))
    assert ("s007", "s299") in {(p.first, p.second) for p in pairs}
    assert all(p.first < p.second for p in pairs)
