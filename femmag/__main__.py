"""``python -m femmag [command ...]``: the command line of :mod:`femmag.cli`.

Without arguments it prints the environment report (``femmag info``: versions, PETSc scalar type,
direct solvers, MPI size).
"""

import sys

from femmag.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["info"]))
