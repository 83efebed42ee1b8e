"""Device consistency without a GPU: every tensor of a training step follows the model's device. The step runs on
PyTorch's `meta` device, which has no data: a tensor left on the CPU (a CPU generator, a host-side class table) raises
a device error, and a value read into Python raises too — the two defects that break or stall a CUDA run. The same
holds for the loader under another default device and for a resumed run's weight average and optimiser state."""
import pytest, torch
from fairness_at.config import make_config
from fairness_at.data import load_data, Batches
from fairness_at.models import make_model
from fairness_at.methods import METHODS
from fairness_at.methods.absld import RSLAD
from fairness_at.train import train, train_step, make_trainer
from fairness_at.callbacks import WeightAverage
from fairness_at.distributed import Dist

META = torch.device('meta')

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp('devices')
    base = dict(dataset='synthetic', epochs=2, batch_size=32, steps=1, val_per_class=8, test_per_class=4, device='cpu')
    train(make_config(**base), d/'teacher', progress=False)
    train(make_config(**base, average='ema'), d/'ema', progress=False)
    return d

@pytest.mark.parametrize('name', sorted(n for n in METHODS if not n.startswith('_')))
def test_training_step_stays_on_the_model_device(name, runs):
    cfg = make_config(dataset='synthetic', method=name, epochs=4, batch_size=32, steps=2, val_per_class=8, test_per_class=4,
                      device='cpu', **({'teacher': str(runs/'teacher')} if issubclass(METHODS[name], RSLAD) else {}))
    data = load_data('synthetic', val_per_class=8)
    model = make_model('small_cnn', data.num_classes, data.mean, data.std).to(META).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    method, k = METHODS[name](cfg, data.num_classes, len(data.y_train)), data.num_classes
    if hasattr(method, 'teacher'): method.teacher.to(META)
    conf = torch.zeros(k * k, dtype=torch.long, device=META)
    for x, y, i in list(Batches(data.x_train, data.y_train, 32, train=True).batches(2))[:2]:
        loss = train_step(model, opt, method, x.to(META), y.to(META), i.to(META), 2, None, conf)
        assert loss.device == META and conf.device == META

def test_loader_under_another_default_device():
    data = load_data('synthetic')
    with torch.device(META):
        b = list(Batches(data.x_train, data.y_train, 16, train=True, device='cpu').batches(1))
    assert all(x.device.type == 'cpu' for x, _, _ in b) and len(b) == 16

def test_resumed_average_and_optimiser_on_the_training_device(runs):
    cfg = make_config(dataset='synthetic', epochs=3, batch_size=32, steps=1, val_per_class=8, test_per_class=4, device='cpu',
                      average='ema')
    data = load_data('synthetic', val_per_class=8)
    t = make_trainer(cfg, data, Dist(device=META), runs/'ema', resume=True, progress=False)
    assert all(v.device == META for v in t.average.values())
    assert all(s.device == META for st in t.opt.state.values() for s in st.values() if torch.is_tensor(s))
    t.extra = {}
    WeightAverage().after_epoch(t)                       # mixing a CPU average with device weights would raise here
    assert all(v.device == META for v in t.average.values())
