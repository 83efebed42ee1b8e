"The GPU check runs end to end in its tiny CPU mode (every method trained, killed, resumed, evaluated; the speed table)."
import subprocess, sys, json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_gpu_check_tiny(tmp_path):
    p = subprocess.run([sys.executable, str(ROOT/'tools'/'gpu_check.py'), '--tiny', '--out', str(tmp_path)], capture_output=True,
                       text=True, timeout=2400)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    rec = json.loads((tmp_path/'check.json').read_text())
    assert all(r['ok'] for r in rec['methods']) and len(rec['methods']) >= 17
    assert {r['method'] for r in rec['speed']['training']} >= {'trades', 'dafa', 'trades (bf16)', 'trades (channels_last)'}
