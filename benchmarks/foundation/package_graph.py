"""Lines of production code per package, and the import graph between (and inside) the four packages.

    python benchmarks/foundation/package_graph.py [REPO_ROOT] [--json OUT]

For each package: files and lines (all lines, and code lines without blanks/comments/docstrings) of Python under
``packages/<pkg>/src`` and of C++/CUDA under ``csrc`` (glad-ops). For the graph: every ``import`` of another glad
package, split into module top level and "late" (inside a function or under ``if TYPE_CHECKING``), and import cycles
between modules of one package formed by top-level imports. Prints a table; ``--json`` also writes the figures.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import tokenize
from collections import defaultdict
from pathlib import Path

PACKAGES = {"glad_ops": "glad-ops", "glad_generators": "glad-generators", "glad_eval": "glad-eval",
            "glad_distill": "glad-distill"}  # fmt: skip


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    tree = ast.parse(source)
    doc_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                doc_lines.update(range(first.lineno, first.end_lineno + 1))
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                            tokenize.ENDMARKER):  # fmt: skip
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines - doc_lines)


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.Module, module: str, is_package: bool):
    """(target module, late?) for every import; late = inside a function/class body or an if TYPE_CHECKING."""
    found = []

    def visit(node, late):
        for child in ast.iter_child_nodes(node):
            child_late = late or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                child_late = True
            if isinstance(child, ast.Import):
                found.extend((a.name, late) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.extend((f"{target}.{a.name}", late) for a in child.names)
            visit(child, child_late)

    visit(tree, False)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            strong(v)
    return out


def measure(root: Path) -> dict:
    result = {}
    arrows: dict[tuple[str, str], dict[str, set]] = defaultdict(lambda: {"top": set(), "late": set()})
    for top, pkg in PACKAGES.items():
        src = root / "packages" / pkg / "src"
        files = sorted((src / top).rglob("*.py"))
        modules = {module_name(f, src): f for f in files}
        total = code = 0
        edges: dict[str, set[str]] = defaultdict(set)
        all_edges: dict[str, set[str]] = defaultdict(set)
        for mod, f in modules.items():
            text = f.read_text()
            total += text.count("\n")
            code += code_lines(text)
            for target, late in imports(ast.parse(text), mod, f.name == "__init__.py"):
                other = target.split(".")[0]
                if other in PACKAGES and other != top:
                    arrows[(top, other)]["late" if late else "top"].add(mod)
                elif other == top:
                    while target and target not in modules:
                        target = target.rpartition(".")[0]
                    if target and target != mod and not mod.startswith(target + "."):  # parents load first
                        all_edges[mod].add(target)
                        if not late:
                            edges[mod].add(target)
        native = []
        if top == "glad_ops":
            native = [p for p in (root / "csrc").rglob("*") if p.suffix in (".cpp", ".cu", ".h", ".cuh")]
        result[pkg] = {
            "python_files": len(files), "python_lines": total, "python_code_lines": code,
            "native_files": len(native), "native_lines": sum(p.read_text().count("\n") for p in native),
            "import_cycles": cycles(edges),
            "cycles_with_late_imports": cycles(all_edges),
        }  # fmt: skip
    result["arrows"] = {
        f"{PACKAGES[a]} -> {PACKAGES[b]}": {"top": len(v["top"] - v["late"]), "late": len(v["late"]),
                                            "late_modules": sorted(v["late"])}
        for (a, b), v in sorted(arrows.items())
    }  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = measure(args.root)
    print(
        f"{'package':18}{'py files':>9}{'py lines':>10}{'code lines':>12}{'C++/CUDA lines':>16}  cycles (late too)"
    )
    for pkg in PACKAGES.values():
        f = figures[pkg]
        print(f"{pkg:18}{f['python_files']:>9}{f['python_lines']:>10}{f['python_code_lines']:>12}"
              f"{f['native_lines']:>16}  {len(f['import_cycles'])} ({len(f['cycles_with_late_imports'])})")  # fmt: skip
        for cycle in f["cycles_with_late_imports"]:
            print(f"{'':20}cycle: {' <-> '.join(cycle)}")
    print("modules importing another package (only at top level / also late, inside functions):")
    for arrow, n in figures["arrows"].items():
        print(f"  {arrow:36} {n['top']:>4} / {n['late']}  {' '.join(n['late_modules'])}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
