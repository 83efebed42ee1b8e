"Repository invariants: README in step with index.ipynb, Quarto config and sidebar in step, CI calls README's test command, code layout rules."
from pathlib import Path
import ast, json, re, subprocess, sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))

def test_readme_is_rendered_index():
    from make_readme import render_readme
    assert (ROOT/'README.md').read_text() == render_readme(ROOT/'nbs'/'index.ipynb'), "README.md is stale: run python tools/make_readme.py"

def test_quarto_config_in_step():
    top, nbs = ROOT/'_quarto.yml', ROOT/'nbs'/'_quarto.yml'
    assert top.read_text() == nbs.read_text()
    assert top.is_symlink() and top.resolve() == nbs.resolve()

def test_ci_runs_readme_test_command():
    readme, ci = (ROOT/'README.md').read_text(), (ROOT/'.ci'/'run').read_text()
    cmd = next(l.strip() for l in readme.splitlines() if l.strip().startswith('pip install -e ".[dev]"'))
    assert cmd in ci

def test_sidebar_follows_the_folders():
    from sidebar import sidebar
    assert (ROOT/'nbs'/'sidebar.yml').read_text() == sidebar(), "nbs/sidebar.yml is stale: run python tools/sidebar.py"

def test_imports_stand_alone():
    "nbdev_proc_nbs re-executes every cell containing an import: such cells must hold imports only (STYLE.md)."
    bad = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            if c['cell_type'] != 'code' or '#| export' in ''.join(c['source']): continue   # definitions may import locally
            lines = [l for l in ''.join(c['source']).splitlines() if l.strip() and not l.lstrip().startswith('#')]
            imp = [l for l in lines if re.match(r'\s*(import |from \S+ import )', l)]
            if imp and len(imp) != len(lines): bad.append(f"{nb.relative_to(ROOT)} cell {i}: {imp[0].strip()}")
    assert not bad, 'cells mixing imports with code:\n' + '\n'.join(bad)

LIB = sorted(p for p in (ROOT/'fairness_at').rglob('*.py') if p.name != '_modidx.py')

def test_no_function_level_import_of_the_library():
    "Modules import each other at the top, downwards; an import inside a function hides a circle."
    bad = [f"{p.relative_to(ROOT)}:{i}: {l.strip()}" for p in LIB for i, l in enumerate(p.read_text().splitlines(), 1)
           if re.match(r'^\s+(from (fairness_at|\.)\S* import|import fairness_at)', l)]
    assert not bad, '\n'.join(bad)

def test_nothing_imports_the_cli():
    bad = [str(p.relative_to(ROOT)) for p in LIB if p.name != 'cli.py' and re.search(r'^from (fairness_at|\.)\.?cli import|^import fairness_at\.cli',
                                                                                     p.read_text(), re.M)]
    assert not bad, bad

def test_functions_are_short():
    "No function of the library is longer than 60 lines."
    long = []
    for p in LIB:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{p.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, '\n'.join(long)

def test_training_loop_names_no_method():
    "The loop knows methods only through the registry: no method name in train.py or callbacks.py."
    from fairness_at.methods import METHODS
    for f in ('train.py', 'callbacks.py'):
        code = (ROOT/'fairness_at'/f).read_text()
        hits = [m for m in METHODS if re.search(rf"\b{m}\b", code)]
        assert not hits, f"{f} names {hits}"

def test_no_internal_references():
    "Readers get sources they can open: no internal notes file, no path outside the repository, no build-environment talk."
    bad = re.compile(r'methods\.md|\.\./shared|these machines|this machine|working session|the issue this page')
    files = [ROOT/'README.md', *sorted((ROOT/'nbs').rglob('*.ipynb')), *LIB]
    hits = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in [bad.search(p.read_text())] if m]
    assert not hits, '\n'.join(hits)
