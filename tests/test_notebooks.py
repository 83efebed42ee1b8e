"Run every notebook in `nbs/` as a test (nbdev's `test_nb`, skipping cells flagged with `tst_flags`)."
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_nb
from execnb.nbio import read_nb

NBS = Path(__file__).resolve().parent.parent/'nbs'

def _skip_exec(p):
    "Experiment notebooks whose cells train for minutes declare `skip_exec: true` in their front matter."
    return any('skip_exec: true' in c.source for c in read_nb(p).cells[:2] if c.cell_type == 'raw')

NOTEBOOKS = sorted(p for p in NBS.rglob('*.ipynb') if not any(q.startswith(('_', '.')) for q in p.relative_to(NBS).parts) and not _skip_exec(p))

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(NBS).with_suffix('')) for p in NOTEBOOKS])
def test_notebook(nb):
    ok, secs = run_nb(nb, skip_flags=get_config().tst_flags.split())
    assert ok, f"{nb.name} failed (see the cell error above)"
