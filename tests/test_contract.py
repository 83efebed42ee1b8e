"""The contract every registered training method keeps (`fairness_at.train.check_resumable`), checked for each entry of
the registry, so a method is tested the moment it is registered: it trains, its run can be killed mid-epoch and
resumed to exactly the numbers of an uninterrupted run, and its state and summary are plain data (JSON)."""
import pytest
from fairness_at.config import make_config
from fairness_at.train import train, check_resumable
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

@pytest.mark.parametrize('name', NAMES)
def test_method_contract(name, tmp_path, teacher):
    check_resumable(make_config(**BASE, method=name, **({'teacher': teacher} if issubclass(METHODS[name], RSLAD) else {})),
                    tmp_path)
