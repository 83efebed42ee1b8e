"""Write nbs/sidebar.yml from the notebook folders: one section per folder, in reading order, pages in file order.

    python tools/sidebar.py          # rewrite nbs/sidebar.yml (tests/test_repo.py checks it is current)"""
from pathlib import Path
import yaml

NBS = Path(__file__).resolve().parent.parent/'nbs'
SECTIONS = {'tutorials': 'Tutorials', 'methods': 'Methods', 'experiments': 'Experiments', 'api': 'Library reference'}

def sidebar() -> str:
    "The sidebar YAML: the index, then one section per folder of `SECTIONS`, each listing its notebooks in file order."
    contents = ['index.ipynb']
    for folder, title in SECTIONS.items():
        pages = sorted(p.relative_to(NBS).as_posix() for p in (NBS/folder).glob('*.ipynb') if not p.name.startswith('_'))
        if pages: contents.append({'section': title, 'contents': pages})
    return yaml.dump({'website': {'sidebar': {'contents': contents}}}, sort_keys=False, allow_unicode=True)

if __name__ == '__main__':
    (NBS/'sidebar.yml').write_text(sidebar()); print('wrote', NBS/'sidebar.yml')
