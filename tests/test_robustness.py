"""Bad inputs and received files: every mistake a user can make ends in one line on stderr and exit status 2 (or one
`FairnessATError` in Python), no traceback and nothing half-written; no file a user receives runs code when loaded; one
writer per run folder; a resumed finished run keeps its evaluations."""
import contextlib, io, json, os, pickle, signal, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
from fairness_at.core import FairnessATError, load_json, save_json
from fairness_at.cli import main
from fairness_at.config import make_config
from fairness_at.train import train
from fairness_at.checkpoint import load_checkpoint
from fairness_at.evaluate import evaluate

SMALL = ['--dataset', 'synthetic', '--epochs', '2', '--batch-size', '32', '--steps', '1', '--test-per-class', '4',
         '--threads', '1', '--quiet']
PWNED = Path(tempfile.gettempdir())/'fairness_at_pwned'

def run(*argv):
    "`fairness-at ARGV` in this process: (exit status, stdout, stderr)."
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try: code = main([str(a) for a in argv])
        except SystemExit as s: code = s.code
    return code, o.getvalue(), e.getvalue()

class Evil:
    "A pickle that would write PWNED when loaded."
    def __reduce__(self): return (os.system, (f"touch {PWNED}",))

def evil(path, wrap=True):
    torch.save({'format': 'fairness_at.checkpoint/1', 'model_state': Evil()} if wrap else Evil(), path); return path

def image_tree(root, classes=('ant', 'bee'), n=3, size=8, test_classes=None, odd=None):
    for split, cs in (('train', classes), ('test', test_classes or classes)):
        for k, c in enumerate(cs):
            (root/split/c).mkdir(parents=True, exist_ok=True)
            for i in range(n): Image.fromarray(np.full((size, size, 3), 40 * k + i, np.uint8)).save(root/split/c/f'{i}.png')
    if odd: odd(root)
    return root

@pytest.fixture(scope='module')
def w(tmp_path_factory):
    "A workspace with a finished tiny run `r1` (DAFA) and a finished TRADES run `teacher`."
    d = tmp_path_factory.mktemp('robust')
    assert run('train', *SMALL, '--method', 'dafa', '--dafa-warmup', '1', '--out', d/'r1')[0] == 0
    assert run('train', *SMALL, '--out', d/'teacher')[0] == 0
    (d/'afile').write_text('x')
    for name, cfg, ckpt, res in (('corrupt', None, b'PK\x03\x04broken', None), ('noconfig', None, None, None),
                                 ('emptyconfig', '{}', None, None), ('badresult', None, None, '[]')):
        (d/name).mkdir()
        (d/name/'config.json').write_text(cfg or (d/'r1'/'config.json').read_text()) if name != 'noconfig' else None
        (d/name/'checkpoint.pt').write_bytes(ckpt or (d/'r1'/'checkpoint.pt').read_bytes())
        if res: (d/name/'result.json').write_text(res)
    (d/'evilrun').mkdir(); (d/'evilrun'/'config.json').write_text((d/'r1'/'config.json').read_text())
    evil(d/'evilrun'/'checkpoint.pt')
    evil(d/'evil.pt'); evil(d/'evil_raw.pt', wrap=False); torch.save([1, 2], d/'list.pt')
    (d/'emptyresult').mkdir(); (d/'emptyresult'/'result.json').write_text('{}')
    image_tree(d/'if_missing_class', test_classes=('ant',))
    image_tree(d/'if_sizes', odd=lambda r: Image.fromarray(np.zeros((9, 9, 3), np.uint8)).save(r/'train'/'bee'/'odd.png'))
    image_tree(d/'if_corrupt', odd=lambda r: (r/'train'/'bee'/'bad.png').write_bytes(b'\x89PNG broken'))
    (d/'if_empty'/'train').mkdir(parents=True); (d/'if_empty'/'test').mkdir()
    uni = d/'données d\'entrée ✓'; image_tree(uni)                          # a path with spaces and unicode
    return d

def cases(d):
    "(name, argv, expected text in the one-line error) — each a different mistake."
    t = ['train', *SMALL]
    return [
        ('unknown dataset', ['train', '--dataset', 'cifar11'], 'choose one of: cifar10'),
        ('unknown model', [*t, '--model', 'vgg'], 'unknown model'),
        ('unknown method', [*t, '--method', 'magic'], 'unknown method'),
        ('unknown preset', ['train', '--preset', 'fast'], 'unknown preset'),
        ('unknown option', ['train', '--epoch', '3'], 'unrecognized arguments: --epoch'),
        ('option of another method', [*t, '--dafa-lambda', '2'], 'is an option of dafa, not of --method trades'),
        ('eps out of range', [*t, '--eps', '8'], '--eps must be ≥ 0 and ≤ 1'),
        ('eps not a number', [*t, '--eps', 'big'], '--eps must be a number'),
        ('eps nan', [*t, '--eps', 'nan'], '--eps must be a number'),
        ('eps inf', [*t, '--eps', 'inf'], '--eps must be a number'),
        ('eps negative fraction', [*t, '--eps=-8/255'], '--eps must be ≥ 0'),
        ('epochs zero', [*t, '--epochs', '0'], '--epochs must be ≥ 1'),
        ('epochs fractional', [*t, '--epochs', '2.5'], '--epochs must be an integer'),
        ('epochs negative', [*t, '--epochs', '-1'], '--epochs must be ≥ 1'),
        ('batch size zero', [*t, '--batch-size', '0'], '--batch-size must be ≥ 1'),
        ('batch size text', [*t, '--batch-size', 'abc'], '--batch-size must be an integer'),
        ('steps negative', [*t, '--steps', '-1'], '--steps must be ≥ 0'),
        ('alpha negative', [*t, '--alpha', '-0.1'], '--alpha must be ≥ 0'),
        ('lr zero', [*t, '--lr', '0'], '--lr must be > 0'),
        ('lr nan', [*t, '--lr', 'nan'], '--lr must be a number'),
        ('momentum above 1', [*t, '--momentum', '1.5'], '--momentum must be ≥ 0 and ≤ 1'),
        ('weight decay negative', [*t, '--weight-decay', '-1'], '--weight-decay must be ≥ 0'),
        ('threads negative', [*t, '--threads', '-1'], '--threads must be ≥ 0'),
        ('log every zero', [*t, '--log-every', '0'], '--log-every must be ≥ 1'),
        ('test subset negative', [*t, '--test-per-class', '-3'], '--test-per-class must be positive or all'),
        ('test subset zero', [*t, '--test-per-class', '0'], '--test-per-class must be positive or all'),
        ('val subset negative', [*t, '--val-per-class', '-1'], '--val-per-class must be ≥ 0'),
        ('train subset zero', [*t, '--train-per-class', '0'], '--train-per-class must be positive'),
        ('train subset too large', [*t, '--train-per-class', '100000'], 'fewer than the 100000 requested'),
        ('negative margin scale', [*t, '--method', 'fair_tat', '--lambda-r', '-5'], '--lambda-r must be > 0'),
        ('nan DAFA lambda', [*t, '--method', 'dafa', '--dafa-lambda', 'nan'], '--dafa-lambda must be a number'),
        ('DAFA warm-up zero', [*t, '--method', 'dafa', '--dafa-warmup', '0'], '--dafa-warmup must be between 1'),
        ('DAFA warm-up too late', [*t, '--method', 'dafa', '--dafa-warmup', '2'], '--dafa-warmup must be between 1'),
        ('DAFA statistics source', [*t, '--method', 'dafa', '--dafa-stats', 'test'], 'DAFA statistics source'),
        ('unknown average', [*t, '--average', 'swa'], 'unknown averaging'),
        ('FAWA without validation', [*t, '--average', 'fawa'], '--average fawa selects on the validation split'),
        ('average decay 1', [*t, '--average', 'ema', '--avg-decay', '1'], '--avg-decay must be in [0, 1)'),
        ('FAWA threshold above 1', [*t, '--fawa-threshold', '2'], '--fawa-threshold is a fraction'),
        ('unknown schedule', [*t, '--schedule', 'step'], 'unknown schedule'),
        ('piecewise without milestones', [*t, '--schedule', 'piecewise'], 'needs --lr-milestones'),
        ('negative milestone', [*t, '--schedule', 'piecewise', '--lr-milestones', '-3'], '--lr-milestones are epochs ≥ 1'),
        ('factors without milestones', [*t, '--schedule', 'piecewise', '--lr-milestones', '2', '--lr-factors', '0.1', '0.5'],
         '--lr-factors needs one factor per milestone'),
        ('unknown attack', [*t, '--attacks', 'pgd7'], 'unknown attack'),
        ('unknown AutoAttack part', [*t, '--aa-attacks', 'fgsm'], 'unknown AutoAttack attack'),
        ('validation every epoch without split', [*t, '--val-every', '1'], '--val-every needs a validation split'),
        ('unknown base', [*t, '--method', 'cfa', '--base', 'mart'], 'choose one of: trades, pgd_at, fat'),
        ('base not of the method', [*t, '--method', 'wat', '--base', 'pgd_at', '--val-per-class', '4'], 'takes --base trades'),
        ('WAT without validation', [*t, '--method', 'wat'], 'updates its class statistics on the validation split'),
        ('distillation without teacher', [*t, '--method', 'rslad'], '--teacher is required'),
        ('teacher missing', [*t, '--method', 'rslad', '--teacher', d/'nowhere'], 'does not exist'),
        ('teacher corrupt', [*t, '--method', 'rslad', '--teacher', d/'corrupt'/'checkpoint.pt'], 'corrupt, truncated'),
        ('teacher not a state_dict', [*t, '--method', 'rslad', '--teacher', d/'list.pt'], 'neither a fairness_at checkpoint nor a state_dict'),
        ('teacher of other classes', ['train', '--dataset', 'fashion_mnist', '--train-per-class', '10', '--quiet', '--method', 'rslad',
                                      '--teacher', d/'teacher'], 'predicts 4 classes but the data has 10'),
        ('hot start missing', [*t, '--hot-start', d/'nowhere'], '--hot-start'),
        ('unknown device', [*t, '--device', 'gpu'], '--device must be auto, cpu, cuda'),
        ('CUDA without a GPU', [*t, '--device', 'cuda'], 'CUDA is not available') if not torch.cuda.is_available() else
        ('CUDA index out of range', [*t, '--device', 'cuda:99'], 'cuda'),
        ('missing image folder', ['train', '--dataset', 'imagefolder', '--data-dir', d/'nowhere', '--quiet'], 'no image folder at'),
        ('data dir is a file', ['train', '--dataset', 'cifar10', '--data-dir', d/'afile', '--quiet'], 'is a file, not a folder'),
        ('test split lacks a class', ['train', '--dataset', 'imagefolder', '--data-dir', d/'if_missing_class', '--quiet',
                                      '--epochs', '1'], 'every class needs a folder in both splits'),
        ('images of different sizes', ['train', '--dataset', 'imagefolder', '--data-dir', d/'if_sizes', '--quiet'], 'different sizes'),
        ('undecodable image', ['train', '--dataset', 'imagefolder', '--data-dir', d/'if_corrupt', '--quiet'], 'cannot decode image'),
        ('empty image folder', ['train', '--dataset', 'imagefolder', '--data-dir', d/'if_empty', '--quiet'], 'cannot read image folder'),
        ('offline download', ['train', '--dataset', 'svhn', '--data-dir', d/'nowhere', '--quiet'], 'download failed'),
        ('out is a file', [*t, '--out', d/'afile'], 'is a file; choose a directory'),
        ('out not writable', [*t, '--out', '/sys/fairness_at_run'], 'could not write'),
        ('run exists', [*t, '--out', d/'r1'], 'already holds a run'),
        ('nothing to resume', ['train', '--out', d/'fresh', '--resume'], 'nothing to resume'),
        ('resume without out', ['train', '--resume'], '--resume needs --out'),
        ('resume contradicting flag', ['train', '--out', d/'r1', '--resume', '--epochs', '5'], '--epochs 5 contradicts the run'),
        ('resume other method', ['train', '--out', d/'r1', '--resume', '--method', 'trades'], '--method trades contradicts'),
        ('resume corrupt checkpoint', ['train', '--out', d/'corrupt', '--resume'], 'corrupt, truncated'),
        ('eval without run', ['eval'], '--run DIR is required'),
        ('eval missing run', ['eval', '--run', d/'nope'], 'does not exist'),
        ('eval run without config', ['eval', '--run', d/'noconfig'], 'config.json does not exist'),
        ('eval empty config', ['eval', '--run', d/'emptyconfig'], 'is not a run configuration'),
        ('eval result not an object', ['eval', '--run', d/'badresult', '--attacks', 'clean'], 'is not a run result'),
        ('eval corrupt checkpoint', ['eval', '--run', d/'corrupt'], 'corrupt, truncated'),
        ('eval unknown attack', ['eval', '--run', d/'r1', '--attacks', 'pgd7'], 'unknown attack'),
        ('eval batch zero', ['eval', '--run', d/'r1', '--batch-size', '0'], '--batch-size must be positive'),
        ('eval negative subset', ['eval', '--run', d/'r1', '--per-class', '-2'], 'must be positive or all'),
        ('eval eps above 1', ['eval', '--run', d/'r1', '--eps', '2', '--attacks', 'fgsm'], '--eps must be in [0, 1]'),
        ('report nothing', ['report', d/'corrupt'], 'no result.json'),
        ('report empty result', ['report', d/'emptyresult'], 'is not a run result'),
        ('report plot format', ['report', d/'r1', '--plot', d/'x.xyz'], 'use a .png, .pdf or .svg'),
        ('report csv is a folder', ['report', d/'r1', '--csv', d], 'is a directory'),
        ('sweep without preset', ['sweep'], '--preset is required'),
        ('sweep unknown row', ['sweep', '--preset', 'cpu-fmnist', '--methods', 'dafaa', '--dry-run'], "unknown sweep method 'dafaa'"),
        ('sweep student without teacher', ['sweep', '--preset', 'cpu-cifar10', '--methods', 'absld', '--seeds', '7',
                                           '--root', d/'sweeproot', '--dry-run'], 'needs the run'),
        ('bench unknown model', ['bench', '--models', 'foo'], 'unknown model'),
        ('unknown command', ['fit'], 'unknown command'),
    ]

def test_every_bad_input_is_one_line(w, monkeypatch):
    monkeypatch.chdir(w)                                   # runs without --out go to ./runs: keep them in the workspace
    bad, all_cases = [], cases(w)
    for name, argv, msg in all_cases:
        code, out, err = run(*argv)
        lines = err.strip().splitlines()
        if not (code == 2 and len(lines) == 1 and 'Traceback' not in err and (msg is None or msg in err)):
            bad.append(f"{name}: exit {code}: {err.strip()[-300:]}")
    assert not bad, '\n'.join(bad)
    assert len(all_cases) >= 60
    assert not PWNED.exists()

def test_api_bad_values(tmp_path):
    for kw, msg in ((dict(epochs=2.5), 'must be an integer'), (dict(batch_size='64'), 'must be an integer'),
                    (dict(eps=True), 'must be a finite number'), (dict(lr=float('inf')), 'finite'),
                    (dict(dafa_lamda=1), 'unknown option'), (dict(method='trades', dafa_lambda=float('nan')), 'finite')):
        with pytest.raises(FairnessATError, match=msg): make_config(dataset='synthetic', **kw)
    (tmp_path/'f').write_text('x')
    with pytest.raises(FairnessATError, match='is a file'): train(make_config(dataset='synthetic', epochs=1), tmp_path/'f')

def test_no_received_file_runs_code(w, monkeypatch):
    "A malicious pickle in place of each file a user may receive is refused before it can run."
    monkeypatch.chdir(w)
    d, t = w, ['train', *SMALL]
    paths = {
        'train --resume': ['train', '--out', d/'evilrun', '--resume'],
        'eval --run': ['eval', '--run', d/'evilrun', '--attacks', 'clean'],
        'hot start (run folder)': [*t, '--hot-start', d/'evilrun'],
        'hot start (file)': [*t, '--hot-start', d/'evil.pt'],
        'teacher (run folder)': [*t, '--method', 'rslad', '--teacher', d/'evilrun'],
        'teacher (checkpoint)': [*t, '--method', 'rslad', '--teacher', d/'evil.pt'],
        'teacher (raw pickle)': [*t, '--method', 'rslad', '--teacher', d/'evil_raw.pt', '--teacher-model', 'small_cnn'],
        'teacher (state_dict)': [*t, '--method', 'absld', '--teacher', d/'evil_raw.pt', '--teacher-model', 'small_cnn'],
    }
    for name, argv in paths.items():
        code, out, err = run(*argv)
        assert code == 2 and 'would run code when loaded' in err and len(err.strip().splitlines()) == 1, (name, err)
    with pytest.raises(FairnessATError, match='would run code'): load_checkpoint(d/'evilrun'/'checkpoint.pt')
    # a received results tree: the sweep resumes its runs, and refuses this one
    root = d/'received'; (root/'quickstart'/'trades').mkdir(parents=True)
    cfg = load_json(d/'r1'/'config.json'); cfg.update(method='trades', base=None, preset='quickstart', seed=0)
    (root/'quickstart'/'trades'/'seed0').mkdir(); save_json(cfg, root/'quickstart'/'trades'/'seed0'/'config.json')
    evil(root/'quickstart'/'trades'/'seed0'/'checkpoint.pt')
    code, out, err = run('sweep', '--preset', 'quickstart', '--methods', 'trades', '--root', root)
    assert code == 2 and 'would run code' in err, err
    assert not PWNED.exists()

def test_one_writer_per_run_folder(tmp_path):
    "A second process on a run folder that another process is writing is refused; a killed writer's lock blocks nobody."
    args = ['fairness-at', 'train', '--dataset', 'synthetic', '--epochs', '12', '--batch-size', '16', '--steps', '5',
            '--threads', '1', '--quiet', '--out', str(tmp_path/'run')]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):
            if (tmp_path/'run'/'checkpoint.pt').exists(): break
            time.sleep(0.1)
        q = subprocess.run(['fairness-at', 'train', '--out', str(tmp_path/'run'), '--resume', '--quiet'], capture_output=True, text=True)
        assert q.returncode == 2 and f'another process (PID {p.pid} on {os.uname().nodename}) is writing to' in q.stderr, q.stderr
        q = subprocess.run(['fairness-at', 'eval', '--run', str(tmp_path/'run'), '--attacks', 'clean'], capture_output=True, text=True)
        assert q.returncode == 2 and 'another process' in q.stderr, q.stderr
        assert p.poll() is None                                  # the first process was not disturbed
    finally: p.send_signal(signal.SIGKILL); p.wait()
    assert (tmp_path/'run'/'.lock').exists()                     # killed: its lock file is left, but no longer held
    q = subprocess.run(['fairness-at', 'eval', '--run', str(tmp_path/'run'), '--attacks', 'clean'], capture_output=True, text=True)
    assert q.returncode == 0 and f'found the lock of PID {p.pid}' in q.stderr, q.stderr[-2000:]
    assert not (tmp_path/'run'/'.lock').exists()

RACER = '''import os, sys, time, pathlib
from fairness_at.core import run_lock, FairnessATError
run, ready, go = sys.argv[1:]
unlink = pathlib.Path.unlink                 # a slow file system: removing a file takes a while
pathlib.Path.unlink = lambda self, *a, **k: (time.sleep(0.3), unlink(self, *a, **k))[1]
open(ready, 'w').close()
while not os.path.exists(go): time.sleep(0.0005)
try:
    with run_lock(run): time.sleep(2); print('held')
except FairnessATError: print('refused')
'''

def test_one_holder_among_racers(tmp_path):
    "Processes that find a killed writer's lock at the same moment: exactly one takes it, the others are refused."
    run = tmp_path/'run'; run.mkdir()
    for trial in range(3):
        (run/'.lock').write_text(f"{2**22 + 7} {os.uname().nodename}")           # left by a writer that is gone
        go = tmp_path/f'go{trial}'
        ps = [subprocess.Popen([sys.executable, '-W', 'ignore', '-c', RACER, run, tmp_path/f'ready{trial}-{i}', go],
                               stdout=subprocess.PIPE, text=True) for i in range(4)]
        for _ in range(600):
            if len(list(tmp_path.glob(f'ready{trial}-*'))) == 4: break
            time.sleep(0.1)
        go.touch()
        outs = sorted(p.communicate(timeout=120)[0].strip() for p in ps)
        assert outs == ['held', 'refused', 'refused', 'refused'], outs

def test_resume_after_eval_keeps_everything(w, tmp_path):
    import shutil
    shutil.copytree(w/'r1', tmp_path/'r')
    assert run('eval', '--run', tmp_path/'r', '--attacks', 'fgsm', '--per-class', '2')[0] == 0
    before = load_json(tmp_path/'r'/'result.json')
    code, out, err = run('train', '--out', tmp_path/'r', '--resume', '--quiet')
    assert code == 0 and load_json(tmp_path/'r'/'result.json') == before and 'fgsm' in before['metrics']
    assert before['evaluations'][-1]['attacks'] == ['fgsm']

def test_files_follow_the_umask(w):
    for f in ('config.json', 'checkpoint.pt', 'log.jsonl', 'result.json'):
        mode = (w/'r1'/f).stat().st_mode & 0o777
        um = os.umask(0); os.umask(um)
        assert mode == 0o666 & ~um, (f, oct(mode))

def test_out_of_memory_is_one_line(w, monkeypatch):
    import fairness_at.cli as cli
    def oom(*a, **k): raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
    monkeypatch.setattr(cli, 'train', oom)
    code, out, err = run('train', *SMALL, '--out', w/'oom')
    assert code == 2 and 'out of memory' in err and len(err.strip().splitlines()) == 1

def test_paths_with_spaces_and_unicode(w):
    d = next(p for p in w.iterdir() if p.name.startswith('données'))
    code, out, err = run('train', '--dataset', 'imagefolder', '--data-dir', d, '--epochs', '1', '--batch-size', '4', '--steps', '1',
                         '--quiet', '--out', d/'run ✓')
    assert code == 0, err
    assert load_json(d/'run ✓'/'result.json')['data_source'].startswith('image folder')
