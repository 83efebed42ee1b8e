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
