"""The layout's promises: no import cycle, one error module, a sorted public API, -v anywhere."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import cassettes_tool
from cassettes_tool.cli import COMMANDS, main

PACKAGE = Path(cassettes_tool.__file__).parent
STORIES = ["core", "recording", "refresh", "drift", "review", "housekeeping", "setup", "openapi", "cli"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every module's imports of other cassettes_tool modules, function-level ones included."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    done: set[str] = set()

    def visit(name: str, stack: list[str]) -> None:
        if name in stack:
            raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(name):], name]))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*stack, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_each_story_is_one_folder_and_the_top_level_holds_only_shared_modules() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "_version.py", "errors.py"]
    folders = sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists())
    assert folders == sorted(STORIES)


def test_no_command_module_imports_another_command_module() -> None:
    graph = import_graph()
    commands = {f"cassettes_tool.cli.{target.partition(':')[0]}" for target in COMMANDS.values()}
    for command in commands:
        assert not (graph[command] & commands), (command, graph[command] & commands)


def test_every_exception_class_is_defined_in_errors() -> None:
    exceptions = {"Exception", "ValueError", "RuntimeError", "RecursionError"}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base).rpartition(".")[2] for base in node.bases}
                assert not (bases & exceptions or any(b.endswith("Error") for b in bases)), (path, node.name)


def test_the_public_api_is_sorted_and_every_name_resolves() -> None:
    assert cassettes_tool.__all__ == sorted(cassettes_tool.__all__)
    for name in cassettes_tool.__all__:
        assert getattr(cassettes_tool, name) is not None, name
    with pytest.raises(AttributeError):
        _ = cassettes_tool.not_a_public_name  # type: ignore[attr-defined]


def test_no_source_file_or_page_cites_a_specification_users_do_not_have() -> None:
    root = PACKAGE.parent
    pages = [*PACKAGE.rglob("*.py"), *(root / "docs").glob("*.md"), root / "README.md"]
    for path in pages:
        if path.exists():  # docs/ ships in the sdist and the checkout, not in a wheel's site-packages
            assert "SPEC" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("argv", [
    ["-v", "list", "{path}"], ["list", "{path}", "-v"], ["list", "{path}", "--verbose"],
    ["list", "-vv", "{path}"], ["list", "{path}", "-q"],
])
def test_verbosity_flags_work_before_and_after_the_command(argv: list[str], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text("interactions: []\nversion: 1\n")
    assert main([arg.format(path=tmp_path) for arg in argv]) == 0
    assert "a.yaml" in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["-v", "-vv", "--verbose"])
def test_an_internal_error_exits_70_with_the_traceback_only_when_verbose(
        flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = importlib.import_module("cassettes_tool.housekeeping.inventory")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(inventory, "inventory", broken)
    assert main(["list", str(tmp_path)]) == 70
    quiet = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug" in quiet and "Traceback" not in quiet
    assert main(["list", str(tmp_path), flag]) == 70
    assert "Traceback" in capsys.readouterr().err


def called_names(path: Path) -> set[str]:
    """The names a module calls (``f(...)`` and ``x.f(...)``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


# Who may use the pieces of a write. Cassettes change only in core/transaction.py; the other
# atomic writes are of files that are not cassettes (the parse cache's entries, pyproject.toml
# and the CI workflow, the demo's reports; reports, baselines and ledgers via write_text_atomic).
WRITE_PRIMITIVES = {
    "atomic_write_bytes": {"cassettes_tool.core.storage", "cassettes_tool.core.transaction",
                           "cassettes_tool.recording.parse_cache", "cassettes_tool.drift.endpoint_cache",
                           "cassettes_tool.setup.init",
                           "cassettes_tool.setup.demo.runner"},
    "serialize_document": {"cassettes_tool.core.transaction"},
    "locked": {"cassettes_tool.core.storage", "cassettes_tool.core.transaction"},
}


def test_every_cassette_write_goes_through_the_one_transaction() -> None:
    for path in PACKAGE.rglob("*.py"):
        calls = called_names(path)
        for primitive, allowed in WRITE_PRIMITIVES.items():
            if primitive in calls:
                assert module_name(path) in allowed, f"{module_name(path)} calls {primitive}: use cassette_transaction"


def test_the_read_only_refusal_and_the_file_checksum_are_written_once() -> None:
    refusal = [module_name(p) for p in PACKAGE.rglob("*.py") if "and is read-only here" in p.read_text(encoding="utf-8")]
    assert refusal == ["cassettes_tool.core.transaction"]
    hashing = {module_name(p) for p in PACKAGE.rglob("*.py") if ".sha256(data)" in p.read_text(encoding="utf-8")
               or ".sha256(path.read_bytes())" in p.read_text(encoding="utf-8")}
    assert hashing == {"cassettes_tool.core.storage"}


def test_the_command_line_raises_the_projects_usage_error_never_clicks_own() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "click.UsageError" not in text and "click.BadParameter" not in text, path


def test_each_class_name_names_one_concept_across_the_package() -> None:
    seen: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                assert node.name not in seen, f"{node.name} is defined in {seen[node.name]} and {path}"
                seen[node.name] = path


@pytest.mark.parametrize("argv", [["list"], ["audit"], ["refresh"], ["prune"]])
def test_a_missing_cassette_folder_is_one_line_on_stderr_and_exit_2(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "nowhere"\n')
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--force"] if argv == ["prune"] else argv) == 2
    err = capsys.readouterr().err
    assert err == f"cassettes: error: no cassette folder at {tmp_path / 'nowhere'}; pass paths, or set cassette_dir in [tool.cassettes]\n"


TESTS = Path(__file__).resolve().parent


def test_test_modules_import_only_the_helpers_package_from_the_test_suite() -> None:
    allowed = ("tests.helpers", "tests.conftest")
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if not node.level else ["relative import"]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                from_tests = name == "relative import" or name == "tests" or name.startswith("tests.")
                assert not from_tests or name.startswith(allowed), (
                    f"{path.relative_to(TESTS.parent)}:{node.lineno} imports {name}: "
                    "shared test code belongs in tests/helpers/")


def test_the_helpers_package_holds_no_tests() -> None:
    helpers = TESTS / "helpers"
    assert helpers.is_dir()
    for path in helpers.rglob("*.py"):
        assert not path.name.startswith("test_"), path
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
        assert not [name for name in names if name.startswith(("test_", "Test"))], (path, names)
