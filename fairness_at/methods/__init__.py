"""The training methods. This hand-written list is the one place that registers them: importing a module runs its
`@register_method` decorators. To add a method, write its notebook (options, class, tests) and add one line here."""
from .base import Method, METHODS, BASES, register_method, PGDAT, TRADES, FAT
from . import dafa, fair_tat, absld, distill, frl, cfa, wat, bat, faal
