"""Render `nbs/index.ipynb` into `README.md` without Quarto (nbdev_readme needs Quarto, which is not always installed).

Markdown cells are copied; code cells become fenced code blocks with their text/plain or stream outputs; cells
flagged `#| hide` and nbdev directives are dropped; images are referenced by the path given in the notebook."""
import json, sys
from pathlib import Path

def _directives(src):
    return {l[3:].strip().split(':')[0].strip() for l in src.splitlines() if l.startswith('#|')}

def render_readme(nb_path) -> str:
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown': parts.append(src.strip().replace('](images/', '](nbs/images/')); continue
        if c['cell_type'] != 'code': continue
        d = _directives(src)
        if 'hide' in d or 'include' in d: continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if code and 'echo' not in d: parts.append(f"```python\n{code}\n```")
        for o in c.get('outputs', []):
            text = ''.join(o.get('text', '')) if o.get('output_type') == 'stream' else ''.join(o.get('data', {}).get('text/markdown', o.get('data', {}).get('text/plain', '')))
            if text.strip(): parts.append(text.strip() if 'text/markdown' in o.get('data', {}) else f"```\n{text.rstrip()}\n```")
    return '\n\n'.join(p for p in parts if p) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    (root/'README.md').write_text(render_readme(root/'nbs'/'index.ipynb'))
    print('wrote README.md')
