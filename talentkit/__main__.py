"""``python -m talentkit ...``: the command line (:mod:`talentkit.cli`), also under ``torchrun``
or ``accelerate launch`` (``-m talentkit finetune --config ...``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
