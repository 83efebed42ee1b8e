"""Preview the docs without Quarto: turn nbdev's processed notebooks (`_proc/`, from `nbdev_proc_nbs`) into HTML
with nbconvert and, optionally, screenshot each page with headless Chromium.

    nbdev_proc_nbs && python tools/preview.py [--screenshots]      # writes _preview/*.html (and *.png)

nbconvert rejects nbdev's extra cell metadata, so non-schema keys are stripped, the raw front matter becomes a title
and subtitle, and Quarto's `#| echo/output/include: false` become nbconvert removal tags."""
import json, re, subprocess, sys, tempfile, yaml
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAGS = {'echo: false': 'remove_input', 'output: false': 'remove_output', 'include: false': 'remove_cell'}

def clean_nb(nb:dict) -> dict:
    cells = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'raw' and src.startswith('---'):
            fm = yaml.safe_load(src.strip().strip('-')) or {}
            c = dict(cell_type='markdown', metadata={}, source=f"# {fm.get('title', '')}\n\n*{fm.get('description', '')}*")
        else:
            tags = [t for k, t in TAGS.items() if re.search(rf'^#\|\s*{k}', src, re.M)]
            c = {k: v for k, v in c.items() if k in ('cell_type', 'source', 'outputs', 'execution_count')}
            c['metadata'] = {'tags': tags} if tags else {}
            c['source'] = src
            if c['cell_type'] == 'code':
                c.setdefault('outputs', []); c.setdefault('execution_count', None)
                c['source'] = '\n'.join(l for l in src.splitlines() if not l.startswith('#|'))
        cells.append(c)
    return dict(cells=cells, metadata={'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}},
                nbformat=4, nbformat_minor=5)

def to_html(proc_nb:Path, out_dir:Path) -> Path:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    import nbformat
    nb = nbformat.reads(json.dumps(clean_nb(json.loads(proc_nb.read_text()))), as_version=4)  # reads joins multi-line strings
    ex = HTMLExporter()
    ex.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={'remove_cell'}, remove_input_tags={'remove_input'},
                                                   remove_all_outputs_tags={'remove_output'}, enabled=True), True)
    html, _ = ex.from_notebook_node(nb)
    out = out_dir/(proc_nb.stem + '.html'); out.write_text(html)
    return out

def screenshot(html:Path, png:Path, size='1100,1400'):
    subprocess.run(['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                    '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
                    f'--user-data-dir={tempfile.mkdtemp()}', f'--window-size={size}', '--hide-scrollbars',
                    f'--screenshot={png}', html.resolve().as_uri()], check=True, capture_output=True, timeout=120)

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description='HTML preview (and screenshots) of the processed notebooks')
    ap.add_argument('pages', nargs='*', help='page names (e.g. 35_distributed); default: all')
    ap.add_argument('--screenshots', action='store_true'); ap.add_argument('--height', type=int, default=1400)
    a = ap.parse_args()
    out = ROOT/'_preview'; out.mkdir(exist_ok=True)
    import shutil
    if (ROOT/'_proc'/'images').exists(): shutil.copytree(ROOT/'_proc'/'images', out/'images', dirs_exist_ok=True)
    for nb in sorted((ROOT/'_proc').rglob('*.ipynb')):             # pages in subfolders keep their folder
        if a.pages and nb.stem not in a.pages: continue
        d = out/nb.parent.relative_to(ROOT/'_proc'); d.mkdir(parents=True, exist_ok=True)
        html = to_html(nb, d)
        if a.screenshots: screenshot(html, d/(nb.stem + '.png'), f'1100,{a.height}')
        print('wrote', html.relative_to(ROOT))
