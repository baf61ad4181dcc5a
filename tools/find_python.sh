#!/usr/bin/env bash
# Print the path of a working Python >= 3.12, or explain how to get one and fail.
# Order: $PYTHON, working python3.12 / python3.13 / python3 on PATH, then pyenv's installed versions.
# (A pyenv shim such as python3.12 can exist yet fail unless PYENV_VERSION is set, so every
#  candidate is *run*, not just located, and the real interpreter path is printed.)
set -u
check='import sys; assert sys.version_info >= (3, 12); print(sys.executable)'
try() { "$@" -c "$check" 2>/dev/null; }
for c in ${PYTHON:-} python3.12 python3.13 python3; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if out=$(try "$c"); then echo "$out"; exit 0; fi
done
root=$( (pyenv root 2>/dev/null) || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for exe in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 "$root"/versions/3.[2-9][0-9]*/bin/python3 2>/dev/null | sort -V); do
    if out=$(try "$exe"); then echo "$out"; exit 0; fi
done
echo "femmag needs Python >= 3.12, and none was found (tried \$PYTHON, python3.12, python3.13, python3," >&2
echo "and pyenv versions under $root/versions). Install one (e.g. 'pyenv install 3.12') or run" >&2
echo "'make PYTHON=/path/to/python3.12 ...'." >&2
exit 1
