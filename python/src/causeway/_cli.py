"""Running the ``causeway`` command-line program from Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

from ._dataset import _is_frame, write_dataset
from ._run import Run, read_run


class CausewayError(RuntimeError):
    """``causeway`` exited with an error.

    Attributes
    ----------
    returncode : int
        The program's exit status.
    stderr : str
        What it printed on standard error (its error message).
    command : list of str
        The command line that was run.
    """

    def __init__(self, message: str, *, returncode: int, stderr: str, command: Sequence[str]):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.command = list(command)


def find_binary() -> str:
    """The ``causeway`` program that :func:`run` calls.

    In this order: the environment variable ``CAUSEWAY_BIN``; ``causeway`` on ``PATH``;
    ``.build/release/causeway`` in the Causeway repository this package was installed from
    (an editable install or a clone).

    Raises
    ------
    FileNotFoundError
        None of these exists (the message says how to point at the program).
    """
    explicit = os.environ.get("CAUSEWAY_BIN")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise FileNotFoundError(f"CAUSEWAY_BIN={explicit} is not an executable file")
        return explicit
    on_path = shutil.which("causeway")
    if on_path:
        return on_path
    repo = _repository()
    if repo is not None:
        built = repo / ".build" / "release" / "causeway"
        if built.is_file() and os.access(built, os.X_OK):
            return str(built)
    raise FileNotFoundError(
        "cannot find the causeway program: put it on PATH, set CAUSEWAY_BIN=/path/to/causeway, "
        "or build it in the repository (scripts/setup)")


def _repository() -> Optional[Path]:
    """The Causeway repository holding this package's source (src/causeway → python → repo)."""
    package = Path(__file__).resolve().parent
    python_dir = package.parent.parent
    repo = python_dir.parent
    if (python_dir / "pyproject.toml").is_file() and (repo / "Package.swift").is_file():
        return repo
    return None


def _flags(flags: dict) -> List[str]:
    args: List[str] = []
    for key, value in flags.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def run(data: Any, out: Union[str, os.PathLike], **flags: Any) -> Run:
    """Runs ``causeway run`` on ``data`` and reads the results.

    Parameters
    ----------
    data : pandas.DataFrame, dict of str to DataFrame, or path
        A DataFrame or dict of domains (written to a temporary folder with
        :func:`write_dataset`, removed afterwards: the run's ``provenance["data"]`` and a data
        error's file and line name that folder; write the data with :func:`write_dataset`
        yourself and pass its path to keep it for ``causeway discover`` or ``--resume``), or
        the path of a CSV, TSV, NPY or manifest JSON file.
    out : str or path-like
        The run folder (created when missing). One that holds an earlier run's results is
        refused unless ``overwrite=True`` (the earlier result files are then replaced).
    **flags
        Options of ``causeway run`` by name, ``-`` written as ``_``: ``max_lag=3`` →
        ``--max-lag 3``, ``quiet=True`` → ``--quiet``, ``False`` or ``None`` → left out,
        a list → comma-separated (``columns=["a", "b"]`` → ``--columns a,b``). See
        ``causeway run --help``. ``time_column`` is also used when writing a DataFrame.

    Returns
    -------
    Run
        ``read_run(out)``.

    Raises
    ------
    CausewayError
        The program exited non-zero; the message holds its standard error.
    FileNotFoundError
        The program cannot be found (see :func:`find_binary`), or ``data`` is a path that
        does not exist.
    TypeError, ValueError
        From :func:`write_dataset` when ``data`` is a DataFrame or dict.
    """
    binary = find_binary()
    out_path = os.fspath(out)
    with tempfile.TemporaryDirectory(prefix="causeway-data-") as tmp:
        if _is_frame(data) or isinstance(data, dict):
            # a folder named after the run's, so that the report's title names the run
            name = os.path.basename(os.path.abspath(out_path)) or "data"
            drop = flags.get("drop_columns")
            if drop:
                # left out before writing, so they may be non-numeric (as --drop-columns allows)
                names = [drop] if isinstance(drop, str) else list(drop)
                frames = data if isinstance(data, dict) else {None: data}
                for frame in frames.values():
                    unknown = [c for c in names if c not in frame.columns]
                    if unknown:
                        raise ValueError(f"drop_columns: no such column {', '.join(map(repr, unknown))} "
                                         f"(columns: {', '.join(map(str, frame.columns))})")
                trimmed = {k: v.drop(columns=names) for k, v in frames.items()}
                data = trimmed[None] if None in trimmed else trimmed
                flags = {k: v for k, v in flags.items() if k != "drop_columns"}
            data_path = write_dataset(data, os.path.join(tmp, name), time_column=flags.get("time_column"))
        else:
            data_path = os.fspath(data)
            if not os.path.exists(data_path):
                raise FileNotFoundError(f"data file not found: {data_path}")
        command = [binary, "run", "--data", data_path, "--out", out_path] + _flags(flags)
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, errors="replace")
    if done.returncode != 0:
        message = done.stderr.strip() or done.stdout.strip()[-4000:] or "(no output)"
        raise CausewayError(f"causeway run failed (exit {done.returncode}): {message}",
                            returncode=done.returncode, stderr=done.stderr, command=command)
    return read_run(out_path)
