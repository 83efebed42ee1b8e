"""The contract every registered training method keeps, checked for each entry of the registry (a method is tested the
moment it is registered): it trains, its run can be killed mid-epoch and resumed to exactly the numbers of an
uninterrupted run, and its state and summary are plain data (JSON)."""
import json
import pytest
from fairness_at.config import make_config
from fairness_at.train import train
from fairness_at.methods import METHODS
from fairness_at.methods.absld import RSLAD

BASE = dict(dataset='synthetic', model='small_cnn', epochs=2, batch_size=32, lr=0.05, steps=1, val_per_class=8,
            test_per_class=4, eval_attacks=['clean', 'pgd10'], device='cpu')
NAMES = sorted(n for n in METHODS if not n.startswith('_'))

@pytest.fixture(scope='module')
def teacher(tmp_path_factory):
    out = tmp_path_factory.mktemp('teacher')/'run'
    train(make_config(**{**BASE, 'method': 'trades'}), out, progress=False)
    return str(out)

class Stop(Exception): pass

def _stop(epoch, i):
    if epoch == 2 and i == 1: raise Stop

def _strip(log): return [{k: v for k, v in e.items() if k not in ('seconds', 'images_per_s')} for e in log]

@pytest.mark.parametrize('name', NAMES)
def test_method_contract(name, tmp_path, teacher):
    spec = dict(BASE, method=name, **({'teacher': teacher} if issubclass(METHODS[name], RSLAD) else {}))
    cfg = make_config(**spec)
    full = train(cfg, tmp_path/'full', progress=False)
    with pytest.raises(Stop): train(cfg, tmp_path/'killed', progress=False, on_batch=_stop)
    resumed = train(cfg, tmp_path/'killed', resume=True, progress=False)
    assert resumed['metrics'] == full['metrics']
    assert resumed['method'] == full['method']
    log = lambda d: _strip([json.loads(l) for l in (d/'log.jsonl').read_text().splitlines()])
    assert log(tmp_path/'killed') == log(tmp_path/'full')
    json.dumps(full['method']); json.dumps(full['metrics'])
