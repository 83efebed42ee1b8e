"""Run every notebook in `nbs/` as a test (as nbdev's `test_nb` does, skipping cells flagged with `tst_flags`); a result
page (`experiments/`, `index`) must also print what its saved outputs show, so no page shows numbers its code no
longer computes from results/ (a cell whose numbers depend on the machine, such as a training example, says
`#| machine-dependent`)."""
import copy, importlib, os, pkgutil, re
from pathlib import Path
import pandas as pd
import pytest
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.process import NBProcessor
from nbdev.frontmatter import FrontmatterProc
from execnb.shell import CaptureShell
import fairness_at

NBS = Path(__file__).resolve().parent.parent/'nbs'
RESULT_PAGES = ('experiments', 'index.ipynb')

def _read(p):
    return NBProcessor(p, procs=FrontmatterProc, process=True).nb

NOTEBOOKS = sorted(p for p in NBS.rglob('*.ipynb') if not any(q.startswith(('_', '.')) for q in p.relative_to(NBS).parts)
                   and str(getattr(_read(p), 'frontmatter_', {}).get('skip_exec', False)).lower() != 'true')

def _tables():
    "Every upper-case module-level dict of the library (the registries: METHODS, ATTACKS, MODELS, BASES, ...)."
    mods = [importlib.import_module(m.name) for m in pkgutil.walk_packages(fairness_at.__path__, 'fairness_at.')]
    return [t for m in mods for k, t in vars(m).items() if k.isupper() and isinstance(t, dict)]

@pytest.fixture(autouse=True)
def keep_registries():
    "A notebook runs in this process and re-registers its own definitions; later tests get the library's back."
    saved = [(t, dict(t)) for t in _tables()]
    yield
    for t, old in saved: t.clear(); t.update(old)

def _skipped(cell, flags):
    "Whether the test run skips `cell` (nbdev's rules: not code, `eval: false`, or a flag in `tst_flags`)."
    if cell.cell_type != 'code': return True
    d = getattr(cell, 'directives_', {}) or {}
    return d.get('eval:', [''])[0].lower() == 'false' or bool(flags & d.keys())

def output_text(outputs) -> str:
    "The text a reader sees in `outputs` (streams and plain-text results; images left out), trailing spaces stripped."
    parts = [o.get('text', '') if o.get('output_type') == 'stream' else o.get('data', {}).get('text/plain', '')
             for o in outputs or [] if o.get('output_type') != 'error']
    parts = [''.join(p) if isinstance(p, list) else p for p in parts]
    return '\n'.join(l.rstrip() for l in ''.join(parts).splitlines()).strip()

def _compared(cell) -> bool:
    "Whether a cell's saved output must match: not for `#| machine-dependent` cells (say, training on this CPU)."
    return 'machine-dependent' not in (getattr(cell, 'directives_', {}) or {})

def run_notebook(p, flags):
    "Run notebook `p` in this process; return the saved and the fresh output text of each cell that ran."
    nb, sh = _read(p), CaptureShell(p)
    os.environ['IN_TEST'] = '1'
    pd.set_option('display.max_columns', 20, 'display.width', 80)     # pandas' defaults outside a terminal, as saved
    ran = [c for c in nb.cells if not _skipped(c, flags)]
    saved = [output_text(copy.deepcopy(c.get('outputs', []))) for c in ran]
    with working_directory(p.parent):
        try: sh.run_all(nb, exc_stop=True, preproc=lambda c: _skipped(c, flags))
        except Exception: pytest.fail(f"{p.name} failed:\n{sh.prettytb(fname=p)}", pytrace=False)
    return list(zip(ran, saved, [output_text(c.outputs) for c in ran]))

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(NBS).with_suffix('')) for p in NOTEBOOKS])
def test_notebook(nb):
    cells = run_notebook(nb, set(get_config().tst_flags.split()))
    if not str(nb.relative_to(NBS)).startswith(RESULT_PAGES): return
    stale = [(c.source.splitlines()[-1][:70], s, f) for c, s, f in cells if s != f and _compared(c)]
    assert not stale, (f"{nb.name}: {len(stale)} saved output(s) differ from what the code prints now — re-run the page "
                       f"and save it. First, after `{stale[0][0]}`:\n--- saved\n{stale[0][1][:800]}\n--- now\n{stale[0][2][:800]}")
