"""A Gradescope autograder zip for one assignment: the grader's source with that assignment and its
reference (from the bundled set or a pack, as assignments/<name>/ and reference/<name>/ in the zip, where the
image's grader finds them), plus `setup.sh` (builds the image: installs, downloads the dataset and any pretrained
weights) and `run_autograder` (grades /autograder/submission into /autograder/results)."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from grader import __version__
from grader.files import PACKAGE_PARENT
from grader.probes import PROBES
from grader.spec import AssignmentSpec

_SOURCES = ("pyproject.toml", "README.md", "grader/**/*.py", "templates/*.j2")


def _files(spec: AssignmentSpec, reference: Path) -> list[tuple[Path, str]]:
    """(file on disk, name in the zip) for everything the image needs."""
    files = [p for pattern in _SOURCES for p in sorted(PACKAGE_PARENT.glob(pattern))]
    files += [p for p in sorted(spec.path.parent.rglob("*")) if p.is_file()]
    files += [p for p in sorted(reference.rglob("*")) if p.is_file()]
    names = []
    for path in files:
        if "__pycache__" in path.parts:
            continue
        if path.is_relative_to(reference):
            name = f"reference/{spec.name}/{path.relative_to(reference)}"
        elif path.is_relative_to(spec.path.parent):
            name = f"assignments/{spec.name}/{path.relative_to(spec.path.parent)}"
        else:
            name = str(path.relative_to(PACKAGE_PARENT))
        names.append((path, name))
    return names


def gradescope_package(spec: AssignmentSpec, reference: Path, out: Path) -> Path:
    """Write the autograder zip for `spec` (reference folder `reference`) to `out`."""
    env = Environment(loader=FileSystemLoader(PACKAGE_PARENT / "templates" / "gradescope"),
                      undefined=StrictUndefined, keep_trailing_newline=True)
    context = {"assignment": spec.name, "dataset": spec.dataset, "version": __version__,
               "pretrained": any(PROBES[c.probe].unavailable for c in spec.checks)}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        seen = set()
        for path, name in _files(spec, reference):
            if name not in seen:
                seen.add(name)
                archive.write(path, name)
        for script in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(script)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(info, env.get_template(f"{script}.j2").render(**context))
    return out
