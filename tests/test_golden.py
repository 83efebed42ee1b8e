"The golden runs (tools/golden.py) give exactly the recorded numbers: refactors keep every result bit-identical."
import os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
from golden import PORTABLE_ENV

def test_golden_runs_unchanged():
    p = subprocess.run([sys.executable, str(ROOT/'tools'/'golden.py')], env={**os.environ, **PORTABLE_ENV},
                       capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
