"""No host synchronisation inside a training step, for every registered method (a method is checked the moment it is
registered). On a GPU a synchronisation stalls the device; on the CPU it shows as a call that reads a tensor's value
into Python — `.item()`, `.cpu()`, `.tolist()`, `.numpy()`, `bool()`, `float()`, `int()` — so the step runs with those
calls trapped. (Once per epoch, in `end_epoch`, methods may read their statistics.)"""
import contextlib
import pytest, torch
from fairness_at.config import make_config
from fairness_at.data import load_data, Batches
from fairness_at.models import make_model
from fairness_at.methods import METHODS
from fairness_at.methods.absld import RSLAD
from fairness_at.train import train, train_step
from fairness_at.core import make_generator

SYNCS = ('item', 'cpu', 'tolist', 'numpy', '__bool__', '__float__', '__int__')

@contextlib.contextmanager
def no_host_sync():
    "Make every call that reads a tensor into Python fail."
    saved = {n: getattr(torch.Tensor, n) for n in SYNCS}
    def trap(name):
        def f(self, *a, **k): raise AssertionError(f"host synchronisation in the training step: Tensor.{name}")
        return f
    for n in SYNCS: setattr(torch.Tensor, n, trap(n))
    try: yield
    finally:
        for n, f in saved.items(): setattr(torch.Tensor, n, f)

@pytest.fixture(scope='module')
def teacher(tmp_path_factory):
    out = tmp_path_factory.mktemp('sync')/'teacher'
    train(make_config(dataset='synthetic', epochs=1, batch_size=32, steps=1, test_per_class=4, device='cpu'), out, progress=False)
    return str(out)

def test_the_trap_catches_a_sync():
    with no_host_sync(), pytest.raises(AssertionError, match='Tensor.item'): torch.ones(1).item()

@pytest.mark.parametrize('name', sorted(n for n in METHODS if not n.startswith('_')))
def test_training_step_has_no_host_sync(name, teacher):
    cfg = make_config(dataset='synthetic', method=name, epochs=4, batch_size=32, steps=2, val_per_class=8, test_per_class=4,
                      device='cpu', **({'teacher': teacher} if issubclass(METHODS[name], RSLAD) else {}))
    data = load_data('synthetic', val_per_class=8)
    torch.manual_seed(0)
    model = make_model('small_cnn', data.num_classes, data.mean, data.std).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    method, k = METHODS[name](cfg, data.num_classes, len(data.y_train)), data.num_classes
    conf, gen = torch.zeros(k * k, dtype=torch.long), make_generator(0, 'attack', 2)
    batches = list(Batches(data.x_train, data.y_train, 32, train=True).batches(2))
    method.begin_epoch(2, model, data)
    train_step(model, opt, method, *batches[0], 2, gen, conf)          # first step: class tables copied to the device
    with no_host_sync():
        for b in batches[1:3]: train_step(model, opt, method, *b, 2, gen, conf)
