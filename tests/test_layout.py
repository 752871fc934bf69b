"""The shape of the house, read from the source (AST only: nothing is imported or run).

- No import circle among the project's modules.
- Dependencies point one way: portal <- students <- interventions <- schoolplans <-
  dashboards. An earlier app never imports a later one, nor names one in `apps.get_model`.
- No project module imported inside a function to hide a circle.
- No module of 500 lines or more (about 400 is the aim).

Migrations are left out: they are generated, and reach other apps by name by design.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["portal", "students", "interventions", "schoolplans", "dashboards"]
MAX_LINES = 500

# Django imports an app's modules with models before the app registry is ready, so whatever
# uses models is imported inside AppConfig.ready(); that is where Django's documentation puts
# the registration of signals and hooks.
READY = "ready"


def _app(module):
    return module.split(".")[0]


def _modules():
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package(module, path):
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(name):
    """The project module an import of `name` loads (its longest importable prefix)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node, module, path):
    """Project modules named by one import statement."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = _package(module, path).split(".")
            anchor = package[:len(package) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        names = [f"{base}.{alias.name}" for alias in node.names] or [base]
    targets = {_resolve(name) for name in names}
    return {t for t in targets if t and t != module}


class _Reader(ast.NodeVisitor):
    """Every import of a module, whether it sits inside a function, and apps.get_model calls."""

    def __init__(self, module, path):
        self.module, self.path = module, path
        self.imports = []  # (target, line, inside a function, inside AppConfig.ready)
        self.get_models = []  # (app label, line)
        self._functions = []

    def _visit_function(self, node):
        self._functions.append(node.name)
        self.generic_visit(node)
        self._functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def _visit_import(self, node):
        in_ready = self.path.name == "apps.py" and self._functions[:1] == [READY]
        for target in _targets(node, self.module, self.path):
            self.imports.append((target, node.lineno, bool(self._functions), in_ready))

    visit_Import = visit_ImportFrom = _visit_import

    def visit_Call(self, node):
        function = node.func
        if (isinstance(function, ast.Attribute) and function.attr == "get_model" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            self.get_models.append((node.args[0].value.split(".")[0], node.lineno))
        self.generic_visit(node)


def _read():
    readers = {}
    for module, path in MODULES.items():
        reader = _Reader(module, path)
        reader.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        readers[module] = reader
    return readers


READERS = _read()


def _where(module, line):
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def _circles(graph):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_layout_reads_the_project():
    """The checks below look at something: every app is found, with its imports."""
    assert {_app(m) for m in MODULES} == set(APPS)
    assert any(t == "students.models" for t, *_ in READERS["students.selectors"].imports)


def test_no_import_circles():
    graph = {module: {t for t, *_ in reader.imports} for module, reader in READERS.items()}
    circles = _circles(graph)
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_no_app_imports_a_later_app():
    rank = {app: i for i, app in enumerate(APPS)}
    wrong = []
    for module, reader in READERS.items():
        app = _app(module)
        for target, line, *_ in reader.imports:
            if rank[_app(target)] > rank[app]:
                wrong.append(f"{_where(module, line)} imports {target}")
        for label, line in reader.get_models:
            if label in rank and rank[label] > rank[app]:
                wrong.append(f"{_where(module, line)} looks up a model of {label} by name")
    assert not wrong, "an earlier app reaches into a later one:\n" + "\n".join(wrong)


def test_no_project_imports_inside_functions():
    hidden = [
        f"{_where(module, line)} imports {target} inside a function"
        for module, reader in READERS.items()
        for target, line, in_function, in_ready in reader.imports
        if in_function and not in_ready
    ]
    assert not hidden, "imports tucked inside functions:\n" + "\n".join(hidden)


def test_no_module_of_500_lines_or_more():
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) >= MAX_LINES
    ]
    assert not long, "modules with more than one job:\n" + "\n".join(long)
