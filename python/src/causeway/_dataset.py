"""Writing pandas data as a Causeway dataset: one CSV per domain and a manifest.json."""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any, Dict, List, Mapping, Optional, Union

import numpy as np

#: The name of the single domain when ``write_dataset`` is given one DataFrame.
DEFAULT_DOMAIN = "domain0"


def write_dataset(data: Any, dir: Union[str, os.PathLike], *, time_column: Optional[str] = None,
                  source: Optional[str] = None) -> str:
    """Writes data frames as a Causeway dataset that ``causeway run --data`` reads.

    Parameters
    ----------
    data : pandas.DataFrame or dict of str to pandas.DataFrame
        One DataFrame (one domain, named ``domain0``), or several domains by name. A domain
        is one contiguous series (a subject, a session, a regime): rows are time steps,
        equally spaced, oldest first; columns are the variables. Every domain must have the
        same columns (in any order; the files use the first domain's order). Missing values
        (NaN, None, pd.NA) are written as empty cells. The DataFrame index is not written.
    dir : str or path-like
        Output folder, created when missing. Existing files of the same names are replaced.
    time_column : str, optional
        A column of time stamps (datetimes or numbers) kept in the CSVs as their first column
        but not listed as a variable; pass the same name to ``causeway run --time-column``
        (:func:`causeway.run` does that for you). May also name the DataFrame index.
    source : str, optional
        A free-text description of where the data came from, stored in the manifest.

    Returns
    -------
    str
        The path of the manifest.json written (``<dir>/manifest.json``).

    Raises
    ------
    TypeError
        ``data`` is not a DataFrame or a dict of DataFrames.
    ValueError
        No domains or no variables; an empty DataFrame; domains with different columns; a
        repeated, empty, non-text or padded column name; a non-numeric column other than
        ``time_column``; infinite values; ``time_column`` missing from a domain.

    The manifest is ``{"variables": [names], "domains": [{"name", "path"}], "source": "..."}``
    with each ``path`` (``<domain>.csv``) relative to the manifest's folder.
    """
    frames = _domains(data)
    first_name = next(iter(frames))
    columns = _variables(frames[first_name], first_name, time_column)
    for name, frame in frames.items():
        other = _variables(frame, name, time_column)
        if set(other) != set(columns):
            missing = [c for c in columns if c not in other]
            extra = [c for c in other if c not in columns]
            raise ValueError(
                f"domain {name!r} has different columns from domain {first_name!r}: "
                + "; ".join(part for part in (
                    f"missing {missing}" if missing else "",
                    f"extra {extra}" if extra else "") if part))

    out = os.fspath(dir)
    os.makedirs(out, exist_ok=True)
    entries: List[Dict[str, str]] = []
    used: set = set()
    for name, frame in frames.items():
        file_name = _file_name(name, used)
        _write_csv(frame, name, columns, time_column, os.path.join(out, file_name))
        entries.append({"name": name, "path": file_name})

    manifest: Dict[str, Any] = {"variables": columns, "domains": entries}
    if source is not None:
        manifest["source"] = str(source)
    manifest_path = os.path.join(out, "manifest.json")
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return manifest_path


def _is_frame(obj: Any) -> bool:
    return hasattr(obj, "columns") and hasattr(obj, "to_csv") and hasattr(obj, "dtypes")


def _domains(data: Any) -> Dict[str, Any]:
    if _is_frame(data):
        return {DEFAULT_DOMAIN: data}
    if not isinstance(data, Mapping):
        raise TypeError(f"data must be a pandas DataFrame or a dict of name -> DataFrame, not {type(data).__name__}")
    if not data:
        raise ValueError("data is an empty dict: give at least one domain")
    frames: Dict[str, Any] = {}
    for key, frame in data.items():
        name = str(key)
        if not name.strip():
            raise ValueError(f"domain name {key!r} is empty")
        if name in frames:
            raise ValueError(f"two domains are both named {name!r}")
        if not _is_frame(frame):
            raise TypeError(f"domain {name!r} is a {type(frame).__name__}, not a pandas DataFrame")
        frames[name] = frame
    return frames


def _variables(frame: Any, domain: str, time_column: Optional[str]) -> List[str]:
    if frame.shape[0] == 0:
        raise ValueError(f"domain {domain!r} has no rows")
    names = list(frame.columns)
    for c in names:
        if not isinstance(c, str):
            raise ValueError(f"domain {domain!r}: column name {c!r} is not text; rename the columns to strings "
                             "(e.g. df.columns = [f'x{i}' for i in range(df.shape[1])])")
        if not c or c != c.strip() or any(ch in c for ch in "\r\n") or c.startswith("Unnamed: "):
            raise ValueError(f"domain {domain!r}: column name {c!r} is empty, padded with blanks, "
                             "holds a line break or looks like a pandas row index; rename it")
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise ValueError(f"domain {domain!r}: repeated column names {repeated}")
    if time_column is not None and time_column not in names and frame.index.name != time_column:
        raise ValueError(f"domain {domain!r} has no time column {time_column!r} (neither a column nor the index)")
    variables = [c for c in names if c != time_column]
    if not variables:
        raise ValueError(f"domain {domain!r} has no variables (only the time column)")
    bad = [c for c in variables if not _numeric(frame[c])]
    if bad:
        kinds = ", ".join(f"{c!r} ({frame[c].dtype})" for c in bad)
        raise ValueError(
            f"domain {domain!r}: non-numeric columns {kinds}; Causeway reads numbers only. "
            "Convert them (df[col].astype(float)), drop them, or name a time stamp column in time_column")
    for c in variables:
        values = frame[c].to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            row = int(np.flatnonzero(np.isinf(values))[0])
            raise ValueError(f"domain {domain!r}, column {c!r}: infinite value at row {row}; Causeway accepts "
                             "finite numbers and missing cells (NaN) only")
    return variables


def _numeric(series: Any) -> bool:
    # integers, unsigned, floats, booleans (numpy and pandas nullable dtypes); not complex
    return getattr(series.dtype, "kind", "O") in "iufb"


def _file_name(domain: str, used: set) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", domain).strip("._") or "domain"
    name = f"{stem}.csv"
    k = 2
    while name.lower() in used:
        name = f"{stem}_{k}.csv"
        k += 1
    used.add(name.lower())
    return name


def _write_csv(frame: Any, domain: str, variables: List[str], time_column: Optional[str], path: str) -> None:
    table = frame
    if time_column is not None and time_column not in frame.columns:
        table = frame.reset_index()  # the time stamps are the index
    order = ([time_column] if time_column is not None else []) + variables
    table = table.loc[:, order].copy()
    for c in variables:
        if table[c].dtype.kind == "b":
            table[c] = table[c].astype("Int64" if table[c].hasnans else "int64")
    if time_column is not None and getattr(table[time_column].dtype, "kind", "") == "M":
        table[time_column] = _iso(table[time_column])
    table.to_csv(path, index=False, na_rep="", lineterminator="\n")


def _iso(stamps: Any) -> Any:
    """Datetimes as ISO 8601 text the CLI reads: 2023-03-01T00:00:00[.ffffff][+HH:MM]."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    if (stamps.dt.microsecond.fillna(0) != 0).any():
        fmt += ".%f"
    text = stamps.dt.strftime(fmt)
    if stamps.dt.tz is not None:
        text = text + stamps.dt.strftime("%z").str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True)
    return text.where(stamps.notna(), "")
