"""Import the Berkeley Function Calling Leaderboard (BFCL) into ``*.fncall.yaml`` specs.

``python -m pytest_fncall import-bfcl --questions Q.json [--answers A.json] --out DIR``
(:mod:`.cli`); reading BFCL's files is in :mod:`.entries`, building specs from them in
:mod:`.convert`, BFCL's types in :mod:`.types`, and the argument rules in
:mod:`pytest_fncall.matcher_bfcl` (the ``$bfcl`` matcher).
"""

from __future__ import annotations
