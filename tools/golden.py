"""The golden runs: short synthetic runs whose per-epoch log and final record, timings stripped, must not change.

    python tools/golden.py            # compare with tests/golden/runs.json (exit 1 and a diff on any change)
    python tools/golden.py --write    # record them (only when a change of the numbers is intended and explained)

Refactors must leave these numbers bit-identical. They run single-threaded on the CPU with the portable code paths of
ATen, oneDNN and MKL (set by `PORTABLE_ENV`, see `tests/test_golden.py`), so that every x86-64 machine computes the
same bits."""
import json, sys, tempfile
from pathlib import Path

PORTABLE_ENV = dict(ATEN_CPU_CAPABILITY='default', ONEDNN_MAX_CPU_ISA='SSE41', MKL_CBWR='COMPATIBLE',
                    OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
FIXTURE = Path(__file__).resolve().parent.parent/'tests'/'golden'/'runs.json'
BASE = dict(dataset='synthetic', model='small_cnn', epochs=3, batch_size=32, lr=0.05, steps=2, val_per_class=8,
            test_per_class=8, eval_attacks=['clean', 'fgsm', 'pgd20', 'cw'], device='cpu', threads=1)
RUNS = {                                   # name → settings on top of BASE ('teacher'/'hot_start': another golden run)
    'trades':   dict(method='trades', val_every=1),
    'pgd_at':   dict(method='pgd_at'),
    'dafa':     dict(method='dafa', dafa_warmup=1),
    'fair_tat': dict(method='fair_tat', average='fawa', fawa_threshold=0.0),
    'cfa':      dict(method='cfa', begin=1, average='ema'),
    'wat':      dict(method='wat'),
    'frl_rwrm': dict(method='frl_rwrm', hot_start='trades', lr=0.005),
    'absld':    dict(method='absld', teacher='trades'),
    'fair_ard': dict(method='fair_ard', teacher='trades'),
    'bat':      dict(method='bat'),
    'faal':     dict(method='faal', hot_start='pgd_at', epochs=2, lr=0.01, schedule='piecewise', lr_milestones=[2]),
}
def golden(tmp) -> dict:
    "Train every golden run into `tmp`; their logs, metrics and method summaries without timings."
    import torch
    from fairness_at.config import make_config
    from fairness_at.train import train, log_rows
    out = {}
    for name, spec in RUNS.items():
        spec = {k: (str(Path(tmp)/v) if k in ('teacher', 'hot_start') else v) for k, v in spec.items()}
        res = train(make_config(**{**BASE, **spec}), Path(tmp)/name, progress=False)
        summary = json.loads(json.dumps(res['method'], default=str).replace(str(tmp), '<tmp>'))
        out[name] = dict(log=log_rows(Path(tmp)/name), metrics=res['metrics'], method=summary, final_model=res['final_model'])
    return out

if __name__ == '__main__':
    import os
    for k, v in PORTABLE_ENV.items(): assert os.environ.get(k) == v, f"run with the portable environment: {k}={v}"
    with tempfile.TemporaryDirectory() as d: now = golden(d)
    if '--write' in sys.argv:
        FIXTURE.write_text(json.dumps(now, indent=1, sort_keys=True) + '\n'); print('wrote', FIXTURE); sys.exit(0)
    want = json.loads(FIXTURE.read_text())
    bad = [n for n in want if json.dumps(want[n], sort_keys=True) != json.dumps(now.get(n), sort_keys=True)]
    missing = sorted(set(now) - set(want))
    for n in bad:
        for part in ('log', 'metrics', 'method', 'final_model'):
            if json.dumps(want[n][part], sort_keys=True) != json.dumps(now[n][part], sort_keys=True):
                print(f"golden run {n}: {part} differs\n  recorded {json.dumps(want[n][part], sort_keys=True)[:600]}\n"
                      f"  now      {json.dumps(now[n][part], sort_keys=True)[:600]}")
    if missing: print('not recorded yet:', ', '.join(missing))
    print(f"golden runs: {len(want) - len(bad)} identical, {len(bad)} changed")
    sys.exit(1 if bad or missing else 0)
