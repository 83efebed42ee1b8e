"The README's Python example runs as written, in a fresh process and an empty folder."
import subprocess, sys, re, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_readme_python_runs(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT/'README.md').read_text(), re.S)
    assert blocks, "the README has no Python example"
    p = subprocess.run([sys.executable, '-c', '\n'.join(blocks)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    assert 'DAFA class weights' in p.stdout
