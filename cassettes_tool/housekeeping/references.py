"""Which cassettes the test sources name: a static scan with :mod:`ast` (nothing is imported or run).

Found references:

- a string passed to any ``use_cassette`` — ours (``use_cassette("users/get")``), vcrpy's
  (``vcr.use_cassette("fixtures/x.yaml")``, ``my_vcr.use_cassette(path=...)``) — as a call, a
  decorator or a ``with`` item; ``os.path.join(HERE, "fixtures", "x.yaml")`` and
  ``Path(HERE) / "x.yaml"`` count by their literal parts, module-level string constants by value;
- the ``cassette`` marker with a name (``@pytest.mark.cassette("users/get")``) on a function,
  a class or in ``pytestmark``, and pytest-recording's ``vcr`` marker likewise;
- the default names that markers and bare decorators derive (docs/recording.md):
  ``<test module>/<test name>``, ``<test module>/<Class>.<test name>`` for methods, with any
  ``[parameter id]`` suffix — on every test, since parametrized fixtures add ids too;
- pytest-recording: ``@pytest.mark.default_cassette("name")``, the ``vcr`` marker's default
  name even when it names extra cassettes, and the bare test name for tests in the scope of a
  ``vcr_cassette_dir`` fixture (its folder holds ``<test name>.yaml``);
- names built at run time (an f-string, a concatenation, a conditional, a variable): a
  ``pattern`` reference, its unknown parts ``*``; every cassette the pattern could match is kept.

A reference matches a cassette when its name equals the cassette's path, or a tail of it on
folder boundaries, with the same suffix — or without any suffix (``users/get`` matches
``tests/cassettes/users/get.yaml``). That is deliberately generous: a false match only keeps a
cassette, a missed one could delete it.
"""

from __future__ import annotations

import ast
import fnmatch
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool.core.discovery import SKIP_DIRS
from cassettes_tool.recording.settings import default_name

CASSETTE_SUFFIXES = (".yaml.gz", ".yml.gz", ".json.gz", ".yaml", ".yml", ".json")
MARKERS = ("cassette", "vcr")
NAMING_MARKERS = (*MARKERS, "default_cassette")
MAX_PATTERNS = 16  # alternatives of one expression (conditionals multiply); beyond: "*"


@dataclass(frozen=True)
class Reference:
    """One place in the test sources that names a cassette.

    ``kind``: ``use_cassette``, ``marker`` (a name given to a marker), ``default`` (the name a
    bare marker or decorator derives), ``pattern`` (a name built at run time: ``name`` is a glob).
    ``parametrized`` default names also match ``name[...]``.
    """

    name: str
    file: Path
    line: int
    kind: str
    parametrized: bool = False

    def describe(self, base: Path | None = None) -> str:
        where = _relative(self.file, base)
        if self.kind == "pattern":
            return f"name built at run time in {where}:{self.line} (pattern {self.name!r})"
        label = {"use_cassette": "use_cassette", "marker": "marker", "default": "default name"}[self.kind]
        return f"{where}:{self.line} ({label} {self.name!r})"


def _relative(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def test_files(paths: Iterable[Path]) -> list[Path]:
    """Every ``.py`` file under ``paths`` (folders recursively, skipping virtualenvs and caches)."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file() and path.suffix == ".py":
            found.setdefault(path, None)
            continue
        if not path.is_dir():
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".py"):
                    found.setdefault(Path(folder) / name, None)
    return sorted(found)


def scan_references(paths: Iterable[Path]) -> list[Reference]:
    """Every cassette reference in the Python files under ``paths``; unparsable files are skipped."""
    references: list[Reference] = []
    for file in test_files(paths):
        try:
            tree = ast.parse(file.read_bytes(), filename=str(file))
        except (SyntaxError, ValueError, OSError):
            continue  # a broken test file cannot reference anything we could resolve
        references.extend(_Scanner(file, tree).scan())
    return references


class _Scanner:
    """References in one module."""

    def __init__(self, file: Path, tree: ast.Module) -> None:
        self.file = file
        self.tree = tree
        self.constants = _module_constants(tree)
        self.out: list[Reference] = []
        self.seen_calls: set[int] = set()

    def scan(self) -> list[Reference]:
        module_marks = self._pytestmark(self.tree.body)
        self._walk_body(self.tree.body, cls=None, inherited=module_marks)
        # Calls anywhere (helpers, fixtures, with-statements) not already seen as decorators.
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and id(node) not in self.seen_calls and _is_use_cassette(node.func):
                self._add_named(node, node.lineno, "use_cassette")
        if any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "vcr_cassette_dir"
               for n in ast.walk(self.tree)):
            self._cassette_dir_names()
        return self.out

    def _cassette_dir_names(self) -> None:
        """A ``vcr_cassette_dir`` fixture here: its folder holds ``<test name>.yaml`` of the tests
        in scope (this module, or the folder of this conftest). Every test there gets the bare name."""
        files = [self.file] if self.file.name != "conftest.py" else test_files([self.file.parent])
        for file in files:
            tree = self.tree if file == self.file else _parse(file)
            if tree is None:
                continue
            for cls, function in _test_functions(tree.body, None):
                name = f"{cls.rsplit('.', 1)[-1]}.{function.name}" if cls else function.name
                self.out.append(Reference(name=name, file=file, line=function.lineno, kind="default",
                                          parametrized=True))

    # -- names ------------------------------------------------------------------------

    def _add(self, name: str, line: int, kind: str, parametrized: bool = False) -> None:
        self.out.append(Reference(name=name, file=self.file, line=line, kind=kind, parametrized=parametrized))

    def _literal(self, node: ast.expr) -> str | None:
        """A string an expression certainly evaluates to (literal parts joined by ``/``)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
            return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        parts: list[str] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Add):
            # Path(HERE) / "cassettes" / "x.yaml", HERE + "/x.yaml": the literal tail counts.
            for side in (node.left, node.right):
                text = self._literal(side)
                if text is not None:
                    parts.append(text.strip("/"))
            return "/".join(p for p in parts if p) or None
        if isinstance(node, ast.Call) and _call_name(node.func) in ("join", "Path", "PurePath", "joinpath", "str", "fspath"):
            for arg in node.args:
                text = self._literal(arg)
                if text is not None:
                    parts.append(text.strip("/"))
            if isinstance(node.func, ast.Attribute) and _call_name(node.func) == "joinpath":
                base = self._literal(node.func.value)
                if base is not None:
                    parts.insert(0, base.strip("/"))
            return "/".join(p for p in parts if p) or None
        return None

    def _name_argument(self, call: ast.Call) -> str | None:
        node = _name_node(call)
        return self._literal(node) if node is not None else None

    def _add_named(self, call: ast.Call, line: int, kind: str) -> bool:
        """Add the reference a call's name argument makes (a pattern when it is built at run
        time); False when the call names nothing."""
        node = _name_node(call)
        if node is None:
            return False
        patterns = self._patterns(node)
        if all(_resolved(p) for p in patterns):
            name = self._literal(node)
            if name is not None:
                self._add(name, line, kind)
                return True
        for pattern in patterns:
            self._add(pattern, line, "pattern")
        return True

    def _patterns(self, node: ast.expr) -> list[str]:
        """Globs the expression may evaluate to: literal parts escaped, unknown parts ``*``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [_escape(node.value)]
        if isinstance(node, ast.Name) and node.id in self.constants:
            return [_escape(self.constants[node.id])]
        if isinstance(node, ast.JoinedStr):
            return ["".join(_escape(str(v.value)) if isinstance(v, ast.Constant) else "*" for v in node.values)]
        if isinstance(node, ast.IfExp):
            return _limit([*self._patterns(node.body), *self._patterns(node.orelse)])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Div):
            glue = "/" if isinstance(node.op, ast.Div) else ""
            return _limit([a + glue + b for a, b in itertools.product(self._patterns(node.left),
                                                                       self._patterns(node.right))])
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name == "format" and isinstance(node.func, ast.Attribute):
                return [_format_glob(p) for p in self._patterns(node.func.value)]
            if name in ("join", "Path", "PurePath", "joinpath", "str", "fspath"):
                parts = [self._patterns(a) for a in node.args]
                if isinstance(node.func, ast.Attribute) and name == "joinpath":
                    parts.insert(0, self._patterns(node.func.value))
                if not parts:
                    return ["*"]
                return _limit(["/".join(combo) for combo in itertools.product(*parts)])
        return ["*"]

    # -- decorators and markers ---------------------------------------------------------

    def _pytestmark(self, body: Sequence[ast.stmt]) -> list[ast.expr]:
        marks: list[ast.expr] = []
        for statement in body:
            if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
            ):
                value = statement.value
                marks.extend(value.elts if isinstance(value, ast.List | ast.Tuple) else [value])
        return marks

    def _walk_body(self, body: Sequence[ast.stmt], cls: str | None, inherited: list[ast.expr]) -> None:
        for statement in body:
            if isinstance(statement, ast.ClassDef):
                marks = [*inherited, *statement.decorator_list, *self._pytestmark(statement.body)]
                self._marker_names(statement.decorator_list)
                qualified = f"{cls}.{statement.name}" if cls else statement.name
                self._walk_body(statement.body, cls=qualified, inherited=marks)
            elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                self._function(statement, cls, inherited)

    def _function(self, function: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None,
                  inherited: list[ast.expr]) -> None:
        # use_cassette derives from the qualified name (Outer.Inner.test); the marker from the
        # innermost class only (pytest's item.cls), as the plugin does.
        qualname = f"{cls}.{function.name}" if cls else function.name
        innermost = f"{cls.rsplit('.', 1)[-1]}.{function.name}" if cls else function.name
        default = default_name(str(self.file), "", qualname)
        marker_default = default_name(str(self.file), "", innermost)
        decorators = list(function.decorator_list)
        # Every test may be parametrized: a parametrized fixture adds ids without a decorator.
        parametrized = True
        for decorator in decorators:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            if _is_use_cassette(target):
                if call is not None:
                    self.seen_calls.add(id(call))
                if call is None or not self._add_named(call, decorator.lineno, "use_cassette"):
                    # A bare @use_cassette: ours derives <module>/<qualname>; vcrpy the function name.
                    self._add(default, decorator.lineno, "default")
                    self._add(function.name, decorator.lineno, "default")
        self._marker_names(decorators)
        is_test = function.name.startswith("test")
        for mark in [*inherited, *decorators]:
            # pytest-recording's vcr marker names *extra* cassettes: the default one is used too.
            marker = _marker_of(mark)
            if is_test and (marker == "vcr" or (marker in MARKERS and not self._marker_has_name(mark))):
                line = getattr(mark, "lineno", function.lineno)
                self._add(marker_default, line, "default", parametrized)
                if marker == "vcr":  # pytest-recording: <module folder>/cassettes/<module>/<test>.yaml
                    self._add(innermost, line, "default", parametrized)

    def _marker_names(self, decorators: Iterable[ast.expr]) -> None:
        for decorator in decorators:
            if _marker_of(decorator) in NAMING_MARKERS and isinstance(decorator, ast.Call):
                if _marker_of(decorator) == "vcr":
                    for argument in decorator.args:  # every positional argument is a cassette
                        self._add_named(ast.Call(func=decorator.func, args=[argument], keywords=[]),
                                        decorator.lineno, "marker")
                else:
                    self._add_named(decorator, decorator.lineno, "marker")

    def _marker_has_name(self, mark: ast.expr) -> bool:
        return isinstance(mark, ast.Call) and bool(mark.args or any(k.arg in ("path", "name") for k in mark.keywords))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"_Scanner({self.file})"


def _name_node(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in ("path", "name"):
            return keyword.value
    return None


def _escape(text: str) -> str:
    """A literal part of a glob (``[`` in parameter ids is not a character class)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _format_glob(pattern: str) -> str:
    """``"users_{}.yaml".format(x)`` -> ``users_*.yaml``."""
    import re

    return re.sub(r"\{[^{}]*\}", "*", pattern)


def _limit(patterns: list[str]) -> list[str]:
    unique = list(dict.fromkeys(patterns))
    return unique if len(unique) <= MAX_PATTERNS else ["*"]


def _resolved(pattern: str) -> bool:
    """True when only a leading folder is unknown (``Path(HERE) / "x.yaml"``): a plain tail."""
    rest = pattern.lstrip("*/") if pattern.startswith("*") else pattern
    return "*" not in rest.replace("[*]", "")


def _parse(file: Path) -> ast.Module | None:
    try:
        return ast.parse(file.read_bytes(), filename=str(file))
    except (SyntaxError, ValueError, OSError):
        return None


def _test_functions(body: Sequence[ast.stmt], cls: str | None) -> Iterable[tuple[str | None, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for statement in body:
        if isinstance(statement, ast.ClassDef):
            yield from _test_functions(statement.body, f"{cls}.{statement.name}" if cls else statement.name)
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name.startswith("test"):
            yield cls, statement


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)):
            constants[statement.targets[0].id] = statement.value.value
    return constants


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_use_cassette(node: ast.expr) -> bool:
    return _call_name(node) == "use_cassette"


def _marker_of(node: ast.expr) -> str | None:
    """``pytest.mark.cassette(...)`` / ``mark.cassette`` -> ``'cassette'``; anything else None."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        owner = target.value
        if (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (isinstance(owner, ast.Name) and owner.id == "mark"):
            return target.attr
    return None


# -- matching -----------------------------------------------------------------------------


def strip_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in CASSETTE_SUFFIXES:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _normalise(name: str) -> str:
    text = name.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text.rstrip("/")


class ReferenceIndex:
    """Find the references of a cassette path quickly (by the tails of its path)."""

    def __init__(self, references: Iterable[Reference]) -> None:
        self._exact: dict[str, list[Reference]] = {}
        self._parametrized: dict[str, list[Reference]] = {}
        self._patterns: list[Reference] = []
        for reference in references:
            if reference.kind == "pattern":
                self._patterns.append(reference)
                continue
            # An explicit suffix must match (x.json is not x.yaml); a bare name matches any.
            key = _normalise(reference.name)
            if not key:
                continue
            self._exact.setdefault(key, []).append(reference)
            if reference.parametrized:
                self._parametrized.setdefault(key, []).append(reference)

    def __len__(self) -> int:
        return sum(len(v) for v in self._exact.values()) + len(self._patterns)

    def find(self, cassette: Path) -> list[Reference]:
        """The references whose name matches ``cassette``."""
        full = cassette.resolve().as_posix()
        bare = strip_suffix(full)
        suffix = full[len(bare):]
        parts = bare.split("/")
        found: dict[Reference, None] = {}
        for start in range(len(parts)):
            tail = "/".join(parts[start:])
            found.update(dict.fromkeys(self._exact.get(tail, ())))
            if suffix:
                found.update(dict.fromkeys(self._exact.get(tail + suffix, ())))
            if "[" in parts[-1]:
                # ``test_get[1-2]`` is one parametrization of ``test_get``.
                base = "/".join([*parts[start:-1], parts[-1].split("[", 1)[0]])
                found.update(dict.fromkeys(self._parametrized.get(base, ())))
            for reference in self._patterns:
                pattern = _normalise(reference.name)
                if fnmatch.fnmatchcase(tail, pattern) or (suffix and fnmatch.fnmatchcase(tail + suffix, pattern)):
                    found[reference] = None
        return list(found)
