"""The GPU check: everything a CUDA run needs, in one script that fits in 8 minutes on one GPU, and in a tiny mode on
any CPU (CI runs it). It prints one table and writes a JSON record.

    python tools/gpu_check.py [--budget 480] [--data-dir DIR] [--out results/gpu-<device>]   # on a GPU
    python tools/gpu_check.py --tiny --out /tmp/gpu-check                                     # CPU, a minute

1. every registered method: 2 epochs of a few steps on ResNet-18 (small_cnn in tiny mode), killed after epoch 1 and
   resumed, then evaluated (clean, PGD-20, AutoAttack on a few images) — on CUDA with the training step under
   `torch.cuda.set_sync_debug_mode('error')`, so a host synchronisation in a step fails the method;
2. training throughput of TRADES and DAFA: fp32, bf16, channels-last, torch.compile;
3. PGD-20: the library against torchattacks;
4. with the time left: TRADES and DAFA on CIFAR-10 (ResNet-18, as many epochs as fit), if the data is found."""
import argparse, json, sys, tempfile, time, traceback
from pathlib import Path
import torch

def _methods_stage(dev, tiny, d, log):
    from fairness_at.config import make_config
    from fairness_at.train import train
    from fairness_at.methods import METHODS
    from fairness_at.methods.absld import RSLAD
    rows, model = [], 'small_cnn' if tiny else 'resnet18'
    base = dict(dataset='synthetic', model=model, epochs=2, batch_size=32, steps=2, val_per_class=8, test_per_class=4,
                eval_attacks=['clean', 'pgd20'] + ([] if tiny else ['aa']), device=str(dev), threads=0)
    train(make_config(**{**base, 'eval_attacks': ['clean']}), d/'teacher', progress=False)
    train(make_config(**{**base, 'eval_attacks': ['clean'], 'method': 'pgd_at'}), d/'faal_start', progress=False)
    class Stop(Exception): pass
    def stop(epoch, i):
        if epoch == 2 and i == 1: raise Stop
    for name in sorted(METHODS):
        t0, extra = time.time(), {}
        if issubclass(METHODS[name], RSLAD): extra['teacher'] = str(d/'teacher')
        if name == 'faal': extra['hot_start'] = str(d/'faal_start')
        try:
            cfg = make_config(**{**base, 'method': name, **extra})
            if dev.type == 'cuda': torch.cuda.set_sync_debug_mode('error')
            try: train(cfg, d/name, progress=False, on_batch=stop)
            except Stop: pass
            finally:
                if dev.type == 'cuda': torch.cuda.set_sync_debug_mode('default')
            r = train(cfg, d/name, resume=True, progress=False)      # resume, then evaluate (syncs are fine there)
            rows.append(dict(method=name, ok=True, seconds=round(time.time() - t0, 1), clean=r['metrics']['clean']['acc'],
                             pgd20=r['metrics']['pgd20']['acc'], aa=r['metrics'].get('aa', {}).get('acc')))
        except Exception as e:
            rows.append(dict(method=name, ok=False, seconds=round(time.time() - t0, 1), error=f"{type(e).__name__}: {str(e)[:200]}"))
        log(rows[-1])
    if tiny:                                                       # AutoAttack's device path once, on a few images
        from fairness_at.checkpoint import load_run_model
        from fairness_at.data import load_data
        from fairness_at.evaluate import evaluate
        m, _ = load_run_model(d/'trades', dev); data = load_data('synthetic')
        aa = evaluate(m, data.x_test, data.y_test, data.classes, ['aa'], per_class=2, aa_attacks=['apgd-ce'])['aa']
        rows.append(dict(method='autoattack (apgd-ce)', ok=True, seconds=0.0, clean=float('nan'), pgd20=float('nan'), aa=aa['acc']))
    return rows

def _speed_stage(dev, tiny, log):
    from fairness_at.bench import bench_training, bench_eval
    out = {}
    model, bs = ('small_cnn', 16) if tiny else ('resnet18', 128)
    variants = ['other_layout', 'bf16'] + ([] if tiny else ['compile'])
    df = bench_training(model, ('trades', 'dafa'), batch_size=bs, steps=2 if tiny else 10, batches=1 if tiny else 4,
                        repeats=1 if tiny else 3, device=dev, variants=variants)
    out['training'] = df.to_dict('records'); log(df.round(3).to_string(index=False))
    ev = bench_eval(model, n=64 if tiny else 2048, batch_size=64 if tiny else 512, repeats=1 if tiny else 3, device=dev)
    out['pgd20'] = ev.to_dict('records'); log(ev.round(3).to_string(index=False))
    return out

def _cifar_stage(dev, data_dir, seconds, d, log):
    from fairness_at.config import make_config
    from fairness_at.train import train
    from fairness_at.data import load_data
    try: load_data('cifar10', data_dir, download=False)
    except Exception as e: return dict(skipped=f"no CIFAR-10 found ({str(e)[:120]})")
    t0, rows = time.time(), []
    epochs = max(1, int(seconds / 2 / 60))                                    # about a minute per ResNet-18 epoch on one GPU
    for name in ('trades', 'dafa'):
        cfg = make_config(dataset='cifar10', data_dir=data_dir, model='resnet18', method=name, epochs=epochs, lr=0.1,
                          schedule='dafa', precision='auto', test_per_class=None, eval_attacks=['clean', 'pgd20'],
                          **({'dafa_warmup': max(1, round(0.64 * epochs))} if name == 'dafa' and epochs > 1 else {}))
        if name == 'dafa' and epochs < 2: rows.append(dict(method=name, skipped='needs 2 epochs')); continue
        r = train(cfg, d/f'cifar-{name}', progress=False)
        rows.append(dict(method=name, epochs=epochs, clean=r['metrics']['clean']['acc'], pgd20=r['metrics']['pgd20']['acc'],
                         pgd20_worst=r['metrics']['pgd20']['worst'], train_seconds=r['provenance']['train_seconds']))
        log(rows[-1])
    return dict(rows=rows, seconds=round(time.time() - t0, 1))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--tiny', action='store_true', help='a minute on any CPU (what CI runs)')
    ap.add_argument('--budget', type=float, default=480, help='seconds for the whole check')
    ap.add_argument('--data-dir', default=None, help='data root with CIFAR-10 (torchvision layout or an image folder)')
    ap.add_argument('--out', default=None, help='folder for check.json (default results/gpu-<device name>)')
    a = ap.parse_args()
    from fairness_at.core import get_device, run_metadata, save_json, device_name
    dev = torch.device('cpu') if a.tiny else get_device('auto')
    t0, rec, log = time.time(), dict(tiny=a.tiny, provenance=run_metadata(dev)), lambda x: print(x, flush=True)
    log(f"GPU check on {device_name(dev)} ({dev})")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        rec['methods'] = _methods_stage(dev, a.tiny, d, log)
        rec['speed'] = _speed_stage(dev, a.tiny, log)
        left = a.budget - (time.time() - t0)
        rec['cifar10'] = _cifar_stage(dev, a.data_dir, left - 30, d, log) if not a.tiny and left > 150 else dict(skipped='no time left' if not a.tiny else 'tiny mode')
    rec['seconds'] = round(time.time() - t0, 1)
    ok = all(r['ok'] for r in rec['methods'])
    out = Path(a.out or f"results/gpu-{device_name(dev).replace(' ', '_')}")
    save_json(rec, out/'check.json')
    log(f"\n{'method':10s} {'ok':3s} {'seconds':>8s}  clean / PGD-20 / AA (%) or error")
    for r in rec['methods']:
        aa = '-' if r.get('aa') is None else f"{r['aa']:.1f}"
        log(f"{r['method']:10s} {'yes' if r['ok'] else 'NO':3s} {r['seconds']:8.1f}  " +
            (f"{r['clean']:.1f} / {r['pgd20']:.1f} / {aa}" if r['ok'] else r['error']))
    log(f"{sum(r['ok'] for r in rec['methods'])}/{len(rec['methods'])} methods trained, resumed and evaluated; "
        f"{rec['seconds']:.0f} s in all; record in {out/'check.json'}")
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
