"Recorded runs are self-consistent: every number of a run comes from the model it reports on."
import json
from pathlib import Path

ROOT = Path(__file__).parent.parent

def test_autoattack_and_other_attacks_saw_one_model():
    # AutoAttack is the strongest attack a run records: on the images it saw, the pointwise worst case over every attack
    # may fall below it only by what a weaker attack finds that AutoAttack misses — rare, not points. A gap of points
    # means AutoAttack and the other attacks evaluated different weights (e.g. the last model vs the weight average).
    checked = 0
    for f in sorted((ROOT/'results').rglob('result.json')):
        m = json.loads(f.read_text())['metrics']
        if 'aa' in m and 'worst_case' in m and m['worst_case'].get('subset') == m['aa'].get('subset'):
            gap = m['aa']['acc'] - m['worst_case']['acc']
            assert gap <= 1.0, f"{f}: other attacks beat AutoAttack by {gap:.1f} points on its own images"
            checked += 1
    assert checked >= 20, f"only {checked} recorded runs have AutoAttack and a worst case on the same images"

def test_recorded_runs_belong_to_their_protocol():
    # a sweep counts a finished run as its row's only if the run's settings are the row's (`SweepRun.foreign`):
    # every recorded run of a protocol folder must pass, whatever options were added or renamed since it ran, and
    # the students recorded with the official KL mean must not pass for cpu-fmnist's per-sample rows
    import dataclasses
    from fairness_at.sweep import PROTOCOLS, plan_sweep
    checked = 0
    for preset, proto in PROTOCOLS.items():
        if not (ROOT/'results'/preset).exists(): continue
        for r in plan_sweep(preset, proto['methods'], proto['seeds'], ROOT/'results'):
            if (r.out/'config.json').exists():
                assert r.foreign() is None, f"{r.out}: {r.foreign()}"; checked += 1
    assert checked >= 40, f"only {checked} recorded runs checked"
    for r in plan_sweep('cpu-fmnist', ['rslad', 'absld'], [0], ROOT/'results'):
        old = dataclasses.replace(r, out=ROOT/'results'/'cpu-fmnist-kl-mean'/r.name/'seed0')
        assert old.foreign() == "kl_reduction is 'mean', not 'batchmean'", old.foreign()

def test_verdicts_are_current(tmp_path):
    # every results/*/verdicts.csv is what `write_verdicts` writes from its folder's records now: a run added, redone
    # or removed since the file was written fails here (rewrite it: `fairness_at.results.write_verdicts(folder)`)
    from fairness_at.results import write_verdicts
    files = sorted((ROOT/'results').glob('*/verdicts.csv'))
    assert len(files) >= 4, f"only {len(files)} verdicts.csv files"
    for f in files:
        now = write_verdicts(f.parent, tmp_path/f'{f.parent.name}.csv')
        assert now is not None and f.read_text() == now.read_text(), \
            f"{f} differs from its folder's records: rewrite it with fairness_at.results.write_verdicts"
