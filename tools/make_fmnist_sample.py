"""Write `fairness_at/assets/fashion_mnist_sample.npz`: the class-balanced Fashion-MNIST sample the package embeds.

The first 400 training and the first 200 test images of each class, in file order, from the four idx files of
Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence; https://github.com/zalandoresearch/fashion-mnist).
Usage: python tools/make_fmnist_sample.py [IDX_DIR]   (default /usr/share/datasets/fashion-mnist, Debian's
dataset-fashion-mnist package). The result is deterministic; its sha256 is printed."""
import hashlib, io, sys
from pathlib import Path
import numpy as np
from fairness_at.data import read_idx, find_idx, FASHION_MNIST_CLASSES

PER_CLASS = {'train': 400, 'test': 200}

def first_per_class(y, n):
    keep = np.zeros(len(y), bool)
    for c in np.unique(y): keep[np.flatnonzero(y == c)[:n]] = True
    return np.flatnonzero(keep)

if __name__ == '__main__':
    src = Path(sys.argv[1] if len(sys.argv) > 1 else '/usr/share/datasets/fashion-mnist')
    arrays = {}
    for split, n in PER_CLASS.items():
        pair = find_idx(src, split)
        if pair is None: sys.exit(f"no Fashion-MNIST idx files for {split} in {src}")
        x, y = read_idx(pair[0]), read_idx(pair[1])
        keep = first_per_class(y, n)
        arrays[f'x_{split}'], arrays[f'y_{split}'] = x[keep], y[keep].astype(np.int64)
    arrays['classes'] = np.array(FASHION_MNIST_CLASSES)
    buf = io.BytesIO(); np.savez_compressed(buf, **arrays)
    out = Path(__file__).resolve().parent.parent/'fairness_at'/'assets'/'fashion_mnist_sample.npz'
    out.write_bytes(buf.getvalue())
    print(out, len(buf.getvalue()), 'bytes, sha256', hashlib.sha256(buf.getvalue()).hexdigest())
