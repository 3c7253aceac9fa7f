"""The mutation operators: for each kind of bug students make, where it fits in a reference and the edit that
makes it. A model's (activations, convolutions, layer order, flattening, normalisation, the output layer) and a
training loop's (zero_grad, step, `.item()`, train/eval modes, no_grad, freezing, the optimizer's parameters)
and its data's (Normalize, shuffling, the split)."""
from __future__ import annotations

import ast
from typing import Iterator

from grader.authoring.mutant_source import Change, Edit, Operator, Source

ACTIVATIONS = {"relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "gelu": "GELU", "elu": "ELU",
               "silu": "SiLU", "selu": "SELU"}
"""Functional activations (F.relu, torch.relu, x.relu()) and their module names (nn.ReLU ...)."""
MONOTONE = {"relu", "relu6", "leaky_relu", "elu", "selu"}
"""Activations that never decrease: they commute with max-pooling (GELU and SiLU dip below zero, so they do not)."""
FUNCTIONAL = {"F", "torch", "functional", "nn.functional", "torch.nn.functional"}
REMOVABLE = {"BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout2d"}
OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam"}
ATOMS = (ast.Name, ast.Call, ast.Attribute, ast.Subscript, ast.Constant)


def _name(func: ast.AST) -> str:
    """The last name of a called thing: 'relu' for F.relu, 'conv1' for self.conv1, 'Conv2d' for nn.Conv2d."""
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _calls(src: Source, *names: str) -> Iterator[ast.Call]:
    """Calls of anything whose last name is one of `names`, in source order."""
    found = [n for n in ast.walk(src.tree) if isinstance(n, ast.Call) and _name(n.func) in names]
    yield from sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _wrapped(src: Source, node: ast.AST) -> str:
    return src.seg(node) if isinstance(node, ATOMS) else f"({src.seg(node)})"


def _layer(src: Source, node: ast.AST) -> str:
    """How a description names what `node` computes: the layer called ('conv2', 'bn1', 'ReLU') or the text."""
    if isinstance(node, ast.Call):
        name = _name(node.func)
        return ACTIVATIONS.get(name, name) if name else src.seg(node)
    return f"`{src.seg(node)}`"


def _holder(src: Source, call: ast.Call) -> str:
    """What a module is assigned to ('conv1' for self.conv1 = nn.Conv2d(...), 'model.fc'), else its class name."""
    parent = src.parents.get(call)
    if isinstance(parent, ast.Assign) and parent.value is call:
        target = parent.targets[0]
        self_attribute = isinstance(target, ast.Attribute) and src.seg(target.value) == "self"
        return target.attr if self_attribute else src.seg(target)
    return _name(call.func)


def _arg(call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _int(node: ast.AST | None) -> int | None:
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def _add_keyword(src: Source, call: ast.Call, text: str) -> Edit:
    """An edit that adds `, text` before the call's closing parenthesis."""
    end = src.span(call)[1] - 1
    return Edit(end, end, (", " if call.args or call.keywords else "") + text)


# ------------------------------------------------------------------------------------------- a model

def activation_removed(src: Source) -> Iterator[Change]:
    """F.relu(x), torch.relu(x), x.relu() → x; nn.ReLU() → nn.Identity()."""
    for call in _calls(src, *ACTIVATIONS):
        func, name = call.func, ACTIVATIONS[_name(call.func)]
        op = f"{_name(func).replace('_', '-')}-removed"
        functional = isinstance(func, ast.Name) or src.seg(func.value) in FUNCTIONAL
        if functional and call.args:
            yield Change(op, call, f"{name} {_after(src, call.args[0])} removed",
                         (src.replace(call, _wrapped(src, call.args[0])),))
        elif not functional and not call.args and isinstance(func, ast.Attribute):
            yield Change(op, call, f"{name} {_after(src, func.value)} removed",
                         (src.replace(call, _wrapped(src, func.value)),))
    modules = {v: k for k, v in ACTIVATIONS.items()}
    for call in _calls(src, *modules):
        yield Change(f"{modules[_name(call.func)].replace('_', '-')}-removed", call,
                     f"{src.seg(call)}{_position(src, call)} replaced by nn.Identity()",
                     (src.replace(call, _identity(src, call)),))


def _after(src: Source, node: ast.AST) -> str:
    """'after conv2' when the activation takes a layer's output, 'on `x`' otherwise."""
    return f"after {_layer(src, node)}" if isinstance(node, ast.Call) else f"on {_layer(src, node)}"


def _identity(src: Source, call: ast.Call) -> str:
    prefix = src.seg(call.func.value) + "." if isinstance(call.func, ast.Attribute) else "nn."
    return f"{prefix}Identity()"


def _position(src: Source, call: ast.Call) -> str:
    parent = src.parents.get(call)
    if isinstance(parent, ast.Call) and _name(parent.func) == "Sequential" and call in parent.args:
        return f" (layer {parent.args.index(call) + 1} of the nn.Sequential)"
    return f" ({_holder(src, call)})" if _holder(src, call) != _name(call.func) else ""


def conv_changed(src: Source) -> Iterator[Change]:
    """A Conv2d's output channels doubled (the next layer's input too), its kernel grown by 2 (padding kept
    'same'), its padding changed, its stride 2."""
    convs = list(_calls(src, "Conv2d"))
    for index, conv in enumerate(convs):
        holder, out = _holder(src, conv), _arg(conv, 1, "out_channels")
        if _int(out):
            yield Change("channels-changed", conv, *_channels(src, conv, convs[index + 1:], holder))
        kernel, padding = _arg(conv, 2, "kernel_size"), _arg(conv, 4, "padding")
        if _int(kernel):
            k, edits = _int(kernel), [src.replace(kernel, str(_int(kernel) + 2))]
            same = _int(padding) == k // 2
            if same:
                edits.append(src.replace(padding, str(k // 2 + 1)))
            yield Change("kernel-changed", conv, f"{holder}'s kernel size {k} → {k + 2}"
                         + (f" (padding {k // 2} → {k // 2 + 1}, so the output size is kept)" if same else ""),
                         tuple(edits))
        if padding is None or _int(padding) is not None:
            p = _int(padding) or 0
            edit = src.replace(padding, str(0 if p else 1)) if padding else _add_keyword(src, conv, "padding=1")
            yield Change("padding-changed", conv, f"{holder}'s padding {p} → {0 if p else 1}", (edit,))
        stride = _arg(conv, 3, "stride")
        if stride is None or _int(stride) == 1:
            edit = src.replace(stride, "2") if stride else _add_keyword(src, conv, "stride=2")
            yield Change("stride-changed", conv, f"{holder}'s stride 1 → 2", (edit,))


def _channels(src: Source, conv: ast.Call, later: list[ast.Call], holder: str) -> tuple[str, tuple[Edit, ...]]:
    """Double a convolution's output channels, and the same literal in the BatchNorm2d after it and the next
    convolution's input channels, so the model still runs."""
    out = _arg(conv, 1, "out_channels")
    n = _int(out)
    edits, also = [src.replace(out, str(2 * n))], []
    following = later[0] if later else None
    for norm in _calls(src, "BatchNorm2d"):
        if (norm.lineno, norm.col_offset) > (conv.lineno, conv.col_offset) and _int(_arg(norm, 0, "num_features")) \
                == n and (following is None or norm.lineno <= following.lineno):
            edits.append(src.replace(_arg(norm, 0, "num_features"), str(2 * n)))
            also.append(_holder(src, norm))
            break
    if following is not None and _int(_arg(following, 0, "in_channels")) == n:
        edits.append(src.replace(_arg(following, 0, "in_channels"), str(2 * n)))
        also.append(_holder(src, following))
    said = f" ({' and '.join(also)} to match)" if also else ""
    return f"{holder}'s output channels {n} → {2 * n}{said}", tuple(edits)


def layers_swapped(src: Source) -> Iterator[Change]:
    """In forward: nested layer calls swapped (relu(conv(y)) → conv(relu(y))), consecutive `x = ...` lines
    swapped; adjacent layers of an nn.Sequential swapped."""
    for node in ast.walk(src.tree):
        if isinstance(node, ast.FunctionDef) and node.name == "forward":
            yield from _nested_swaps(src, node)
            yield from _line_swaps(src, node.body)
    for seq in _calls(src, "Sequential"):
        for first, second in zip(seq.args, seq.args[1:]):
            yield Change("layers-swapped", first, f"{_layer(src, first)} and {_layer(src, second)} of the "
                         "nn.Sequential swapped", (src.replace(first, src.seg(second)),
                                                   src.replace(second, src.seg(first))))


def _is_layer(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
            and (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                 and node.func.value.id == "self" or _name(node.func) in ACTIVATIONS))


def _max_pools(src: Source) -> set[str]:
    """The `self.` attributes assigned a max-pooling layer."""
    return {_holder(src, call) for call in _calls(src, "MaxPool1d", "MaxPool2d", "MaxPool3d")}


def _equivalent(outer: ast.Call, inner: ast.Call, pools: set[str]) -> bool:
    """A monotone activation and a max-pooling commute: swapping them is no bug."""
    names = {_name(outer.func), _name(inner.func)}
    return bool(names & MONOTONE) and bool(names & (pools | {"max_pool1d", "max_pool2d", "max_pool3d"}))


def _nested_swaps(src: Source, forward: ast.FunctionDef) -> Iterator[Change]:
    """pool(relu(y)) → relu(pool(y)) for any two nested layer calls, unless they commute."""
    calls = sorted((n for n in ast.walk(forward) if _is_layer(n)), key=lambda n: (n.lineno, n.col_offset))
    pools = _max_pools(src)
    for outer in calls:
        inner = outer.args[0]
        if _is_layer(inner) and not _equivalent(outer, inner, pools):
            text = f"{src.seg(inner.func)}({src.seg(outer.func)}({src.seg(inner.args[0])}))"
            yield Change("layers-swapped", outer, f"{_layer(src, outer)} and {_layer(src, inner)} swapped "
                         f"({_layer(src, outer)} now before {_layer(src, inner)})", (src.replace(outer, text),))


def _innermost(src: Source, stmt: ast.Assign) -> str:
    """The first layer a `x = ...` line applies: conv1 in pool(relu(conv1(x))), view in x.view(x.size(0), -1)."""
    node = stmt.value
    if not isinstance(node, ast.Call):
        return f"`{src.seg(stmt)}`"
    while node.args and _is_layer(node.args[0]):
        node = node.args[0]
    return _layer(src, node)


def _line_swaps(src: Source, body: list[ast.stmt]) -> Iterator[Change]:
    for first, second in zip(body, body[1:]):
        if all(isinstance(s, ast.Assign) and s.lineno == s.end_lineno for s in (first, second)):
            yield Change("lines-swapped", first, f"the {_innermost(src, first)} and {_innermost(src, second)} lines "
                         f"({first.lineno} and {second.lineno}) swapped", src.move_after(first, second))


def flatten_changed(src: Source) -> Iterator[Change]:
    """torch.flatten(x, 1) → torch.flatten(x); x.flatten(1) → x.flatten(); x.view(a, -1) → x.view(-1)."""
    for call in _calls(src, "flatten", "view", "reshape"):
        func, name = call.func, _name(call.func)
        method = isinstance(func, ast.Attribute) and src.seg(func.value) not in FUNCTIONAL
        if name == "flatten" and not method and len(call.args) + len(call.keywords) == 2:
            text = f"{src.seg(func)}({src.seg(call.args[0])})"
        elif name == "flatten" and method and len(call.args) + len(call.keywords) == 1:
            text = f"{src.seg(func)}()"
        elif name in ("view", "reshape") and method and len(call.args) == 2:
            text = f"{src.seg(func)}(-1)"
        else:
            continue
        yield Change("flatten-changed", call, f"`{src.seg(call)}` → `{text}` (the batch dimension flattened too)",
                     (src.replace(call, text),))


def normalisation_removed(src: Source) -> Iterator[Change]:
    """nn.BatchNorm2d(...), nn.Dropout(...) → nn.Identity(); F.dropout(x, ...) → x."""
    for call in _calls(src, *REMOVABLE):
        op = "batchnorm-removed" if _name(call.func).startswith("BatchNorm") else "dropout-removed"
        yield Change(op, call, f"{src.seg(call)}{_position(src, call)} replaced by nn.Identity()",
                     (src.replace(call, _identity(src, call)),))
    for call in _calls(src, "dropout"):
        if call.args:
            yield Change("dropout-removed", call, f"dropout on {_layer(src, call.args[0])} removed",
                         (src.replace(call, _wrapped(src, call.args[0])),))


def output_width_changed(src: Source) -> Iterator[Change]:
    """The last nn.Linear's out_features, or a num_classes argument, one more."""
    linears = list(_calls(src, "Linear"))
    width = _arg(linears[-1], 1, "out_features") if linears else None
    if _int(width) is not None:
        yield Change("output-width-changed", linears[-1], f"the output layer {_holder(src, linears[-1])}'s width "
                     f"{width.value} → {width.value + 1}", (src.replace(width, str(width.value + 1)),))
    for node in ast.walk(src.tree):
        if isinstance(node, ast.keyword) and node.arg == "num_classes" and _int(node.value) is not None:
            yield Change("output-width-changed", node.value, f"num_classes {node.value.value} → "
                         f"{node.value.value + 1}", (src.replace(node.value, str(node.value.value + 1)),))


# ------------------------------------------------------------------------------------------- a training loop

def _statements(src: Source, method: str) -> Iterator[tuple[ast.Expr, list[ast.stmt]]]:
    """Expression statements calling `.method()`, with the block they are in."""
    for node in ast.walk(src.tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                for stmt in block:
                    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                            and _name(stmt.value.func) == method:
                        yield stmt, block


def loop_steps(src: Source) -> Iterator[Change]:
    """zero_grad removed, or moved after backward; step moved before backward; train()/eval() removed."""
    for stmt, block in _statements(src, "zero_grad"):
        yield Change("zero-grad-removed", stmt, f"`{src.seg(stmt)}` removed", src.remove(stmt))
        backward = next((s for s, _ in _statements(src, "backward") if s in block[block.index(stmt):]), None)
        if backward is not None:
            yield Change("zero-grad-moved", stmt, f"`{src.seg(stmt)}` moved after `{src.seg(backward)}`",
                         src.move_after(stmt, backward))
    for stmt, block in _statements(src, "step"):
        backward = next((s for s, _ in _statements(src, "backward") if s in block[:block.index(stmt)]), None)
        if backward is not None:
            yield Change("step-before-backward", stmt, f"`{src.seg(stmt)}` moved before `{src.seg(backward)}`",
                         src.move_before(stmt, backward))
    for method in ("train", "eval"):
        for stmt, _ in _statements(src, method):
            if not stmt.value.args:
                yield Change(f"{method}-removed", stmt, f"`{src.seg(stmt)}` removed", src.remove(stmt))


def item_dropped(src: Source) -> Iterator[Change]:
    """`total += loss.item()` → `total += loss`."""
    for node in ast.walk(src.tree):
        if isinstance(node, ast.AugAssign) and isinstance(node.value, ast.Call) \
                and _name(node.value.func) == "item" and not node.value.args:
            kept = src.seg(node.value.func.value)
            yield Change("item-dropped", node, f"`.item()` dropped from `{src.seg(node)}` (a tensor accumulated)",
                         (src.replace(node.value, kept),))


def no_grad_removed(src: Source) -> Iterator[Change]:
    """`with torch.no_grad():` removed, its body kept (one level less indented)."""
    for node in ast.walk(src.tree):
        if isinstance(node, ast.With) and len(node.items) == 1 and isinstance(node.items[0].context_expr, ast.Call) \
                and _name(node.items[0].context_expr.func) in ("no_grad", "inference_mode"):
            span = src.whole_lines(node)
            if span is None:
                continue
            depth = node.body[0].col_offset - node.col_offset
            body = src.data[src.offset(node.body[0].lineno):span[1]].decode()
            kept = "".join(line[depth:] if line[:depth].strip() == "" else line
                           for line in body.splitlines(keepends=True))
            yield Change("no-grad-removed", node, f"`{src.line_text(node.lineno).strip()}` removed (its body kept)",
                         (Edit(*span, kept),))


def transfer_changed(src: Source) -> Iterator[Change]:
    """Freezing (`param.requires_grad = False`) removed; the optimizer given all the model's parameters."""
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad"
                                                for t in node.targets) \
                and isinstance(node.value, ast.Constant) and node.value.value is False:
            loop = src.parents.get(node)
            stmt = loop if isinstance(loop, ast.For) and loop.body == [node] else node
            yield Change("freeze-removed", stmt, f"freezing removed (`{src.seg(node)}`)", src.remove(stmt))
    for call in _calls(src, *OPTIMIZERS):
        params = _arg(call, 0, "params")
        found = [n for n in ast.walk(params) if isinstance(n, ast.Call) and _name(n.func) == "parameters"
                 and isinstance(n.func, ast.Attribute)] if params is not None else []
        if found:
            root = found[0].func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            text = f"{src.seg(root)}.parameters()"
            if text != src.seg(params):
                yield Change("optimizer-all-parameters", call, f"the optimizer given `{text}` instead of "
                             f"`{src.seg(params)}`", (src.replace(params, text),))


def data_changed(src: Source) -> Iterator[Change]:
    """Normalize removed from a Compose; the training loader unshuffled; the test split loaded as the training
    one."""
    for compose in _calls(src, "Compose"):
        steps = compose.args[0].elts if compose.args and isinstance(compose.args[0], ast.List) else []
        for index, step in enumerate(steps):
            if isinstance(step, ast.Call) and _name(step.func) == "Normalize":
                start, end = src.span(step)
                span = (start, src.span(steps[index + 1])[0]) if index + 1 < len(steps) else (
                    src.span(steps[index - 1])[1] if index else start, end)
                yield Change("normalize-removed", step, f"`{src.seg(step)}` removed from the transform",
                             (Edit(*span, ""),))
    for node in ast.walk(src.tree):
        if isinstance(node, ast.keyword) and node.arg in ("shuffle", "train") and isinstance(node.value, ast.Constant):
            flip = {True: "False", False: "True"}.get(node.value.value)
            if flip and (node.arg == "shuffle") == (node.value.value is True):
                op, why = (("shuffle-changed", "the training data no longer shuffled") if node.arg == "shuffle"
                           else ("split-changed", "the test set loaded from the training split"))
                yield Change(op, node.value, f"`{node.arg}={node.value.value}` → `{node.arg}={flip}` ({why})",
                             (src.replace(node.value, flip),))


OPERATORS: tuple[Operator, ...] = (activation_removed, conv_changed, layers_swapped, flatten_changed,
                                   normalisation_removed, output_width_changed, loop_steps, item_dropped,
                                   no_grad_removed, transfer_changed, data_changed)
"""In the order a line's mutants are listed."""
