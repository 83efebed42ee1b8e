"Repository invariants: README rendered from index.ipynb, Quarto config in step, CI calls README's test command."
from pathlib import Path
import subprocess, sys

ROOT = Path(__file__).resolve().parent.parent

def test_readme_is_rendered_index():
    sys.path.insert(0, str(ROOT/'tools'))
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

def test_sidebar_lists_every_notebook():
    side = (ROOT/'nbs'/'sidebar.yml').read_text()
    for nb in (ROOT/'nbs').glob('[0-9]*.ipynb'): assert nb.name in side, f"{nb.name} missing from nbs/sidebar.yml"

def test_imports_stand_alone():
    "nbdev_proc_nbs re-executes every cell containing an import: such cells must hold imports only (STYLE.md)."
    import json, re
    bad = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            if c['cell_type'] != 'code' or '#| export' in ''.join(c['source']): continue   # definitions may import locally
            lines = [l for l in ''.join(c['source']).splitlines() if l.strip() and not l.lstrip().startswith('#')]
            imp = [l for l in lines if re.match(r'\s*(import |from \S+ import )', l)]
            if imp and len(imp) != len(lines): bad.append(f"{nb.name} cell {i}: {imp[0].strip()}")
    assert not bad, 'cells mixing imports with code:\n' + '\n'.join(bad)
