"""Kill -9 a run at random moments of training and of evaluation, and check after every kill that the run folder holds
only loadable files and that resuming finishes it with exactly the numbers of an uninterrupted run.

    python tools/killtest.py [--kills 24] [--seed 0] [--out results/robustness/killtest.json]

Each trial starts `fairness-at train` (or `fairness-at eval` on a finished run) as a separate process, sends SIGKILL
after a random delay, inspects the folder (config.json, log.jsonl, result.json parse; checkpoint.pt loads; no stray
temporary file survives the next start), then resumes until the run is finished. The record lists every kill."""
import argparse, json, random, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

TRAIN = ['--dataset', 'synthetic', '--epochs', '4', '--batch-size', '16', '--steps', '3', '--test-per-class', '8',
         '--attacks', 'clean', 'pgd20', '--threads', '1', '--quiet']
EVAL = ['--attacks', 'fgsm', 'cw', 'pgd10', '--per-class', '16', '--threads', '1']

def fa(*args, timeout=600):
    return subprocess.run(['fairness-at', *map(str, args)], capture_output=True, text=True, timeout=timeout)

def inspect(run:Path) -> dict:
    "Every file of the run folder loads; returns what is there."
    from fairness_at.core import load_json
    from fairness_at.checkpoint import load_checkpoint
    state = {}
    for name in ('config.json', 'result.json'):
        if (run/name).exists(): load_json(run/name); state[name] = True
    if (run/'log.jsonl').exists(): state['epochs_logged'] = len([json.loads(l) for l in (run/'log.jsonl').read_text().splitlines()])
    if (run/'checkpoint.pt').exists(): state['checkpoint_epoch'] = load_checkpoint(run/'checkpoint.pt')['epoch']
    state['tmp_files'] = sorted(p.name for p in run.glob('.*.tmp'))
    return state

def kill_after(cmd, delay):
    p = subprocess.Popen(['fairness-at', *map(str, cmd)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < delay and p.poll() is None: time.sleep(0.02)
    finished = p.poll() is not None
    if not finished: p.send_signal(signal.SIGKILL)
    p.wait()
    return not finished

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--kills', type=int, default=24); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='results/robustness/killtest.json')
    a = ap.parse_args()
    rng, log, t_start = random.Random(a.seed), [], time.time()
    from fairness_at.core import load_json, save_json, run_metadata
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t0 = time.time(); assert fa('train', *TRAIN, '--out', d/'ref').returncode == 0; t_train = time.time() - t0
        t0 = time.time(); assert fa('eval', '--run', d/'ref', *EVAL).returncode == 0; t_eval = time.time() - t0
        ref = load_json(d/'ref'/'result.json')['metrics']
        ref_train = {k: ref[k] for k in ('clean', 'pgd20')}
        kills, trial = 0, 0
        while kills < a.kills and trial < 3*a.kills:
            phase = 'train' if kills % 2 == 0 else 'eval'
            run, trial = d/f'run{trial}', trial + 1
            if phase == 'eval': shutil.copytree(d/'ref', run, ignore=shutil.ignore_patterns('result.json')); fa('train', '--out', run, '--resume', '--quiet')
            cmd = ['train', *TRAIN, '--out', run] if phase == 'train' else ['eval', '--run', run, *EVAL]
            delay = rng.uniform(1.0, (t_train if phase == 'train' else t_eval) * 0.8)
            killed = kill_after(cmd, delay)
            state = inspect(run) if run.exists() else {}
            entry = dict(phase=phase, delay_s=round(delay, 2), killed=killed, after_kill=state)
            if phase == 'train':                                  # resume (or start again) until finished
                again = ['train', '--out', run, '--resume', '--quiet'] if (run/'checkpoint.pt').exists() else ['train', *TRAIN, '--out', run]
                r = fa(*again); entry['resume_exit'] = r.returncode
                got = load_json(run/'result.json')['metrics']
                entry['identical_to_uninterrupted'] = {k: got[k] for k in ref_train} == ref_train
            else:
                r = fa('eval', '--run', run, *EVAL); entry['rerun_exit'] = r.returncode
                entry['identical_to_uninterrupted'] = load_json(run/'result.json')['metrics'] == ref
            entry['tmp_files_after_restart'] = sorted(p.name for p in run.glob('.*.tmp'))
            entry['lock_left'] = (run/'.lock').exists()
            kills += killed
            log.append(entry); print(json.dumps(entry), flush=True)
    ok = all(e.get('resume_exit', e.get('rerun_exit')) == 0 and e['identical_to_uninterrupted'] and not e['tmp_files_after_restart']
             and not e['lock_left'] for e in log)
    rec = dict(kills=sum(e['killed'] for e in log), trials=len(log), all_resumed_identically=ok, seconds=round(time.time() - t_start),
               train_seconds=round(t_train, 1), eval_seconds=round(t_eval, 1), trials_log=log, **{'provenance': run_metadata('cpu')})
    save_json(rec, a.out); print(f"{rec['kills']} kills, all resumed to identical results: {ok}; record in {a.out}")
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
