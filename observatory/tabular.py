"""Tables on disk: Parquet or CSV chosen by the file's extension, written safely.

Regular files are written through a temporary file and a rename, so a
reader (or a crash) sees the old file or a whole new one. A device or FIFO
(``/dev/stdout``, a named pipe) cannot be renamed onto: it gets the bytes
straight through, once.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from observatory.outputs import check_output, write_output
from scenarios.params import ParamError

FORMS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def table_format(option: str, text: str) -> str:
    """The format a path's extension asks for, or a ParamError naming ``option``."""
    form = FORMS.get(Path(text).suffix.lower())
    if form is None or not text:
        raise ParamError(option, f"{text!r} is not valid: use a file path ending in .parquet or .csv")
    return form


def check_path(option: str, text: str) -> Path:
    """A table path that can be written: known extension, and every check of an output path.

    The checks are ``observatory.outputs``' (folder exists and is writable, not a
    folder, no trailing '/', not read-only, no block device): exit 2 before any run.
    """
    table_format(option, text)
    check_output("--" + option.replace("_", "-"), text)
    path = Path(text)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not parent.is_dir():
        raise ParamError(option, f"{text!r} is not valid: use a file path in an existing directory")
    return path


def is_regular(path: Path) -> bool:
    """True for a regular file or a path that does not exist yet (both get atomic writes)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


def _fill(table: pa.Table, form: str, out: IO[bytes]) -> None:
    if form == "parquet":
        pq.write_table(table, out)
    else:
        pa_csv.write_csv(table, out)


def write_table(table: pa.Table, path: Path, option: str = "--out") -> None:
    """Write the whole table to ``path`` in the format its extension names (``write_output``'s way)."""
    form = table_format(option.lstrip("-").replace("-", "_"), str(path))
    write_output(path, lambda out: _fill(table, form, out), option)


def read_table(path: Path, schema: pa.Schema | None = None) -> pa.Table:
    """Read a table written by ``write_table``; CSV columns get ``schema``'s types where named."""
    if table_format("out", str(path)) == "parquet":
        return pq.read_table(path)
    types = {f.name: f.type for f in schema} if schema is not None else None
    options = pa_csv.ConvertOptions(
        column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    return pa_csv.read_csv(path, convert_options=options)


class TableStream:
    """Record batches appended to one file as they fill; the file is whole once ``close`` returns.

    For a regular file the batches go to a temporary file beside it that is
    renamed into place on ``close`` (``abort`` removes it instead).
    Parquet files get a dictionary for text columns only and statistics
    for numeric columns only: the other two cost time and buy readers
    nothing on columns of floats or of free text.
    """

    def __init__(self, path: Path, schema: pa.Schema, option: str) -> None:
        self.form = table_format(option, str(path))
        self.path = path
        self.temp: Path | None = None
        target = path
        if is_regular(path):
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
            os.close(fd)
            self.temp = target = Path(name)
        if self.form == "parquet":
            texts = [f.name for f in schema if pa.types.is_string(f.type)]
            numbers = [f.name for f in schema if not pa.types.is_string(f.type)]
            self._writer: pq.ParquetWriter | pa_csv.CSVWriter = pq.ParquetWriter(
                target, schema, use_dictionary=texts, write_statistics=numbers
            )
        else:
            self._writer = pa_csv.CSVWriter(str(target), schema)

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()
        if self.temp is not None:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self.temp, 0o666 & ~mask)
            os.replace(self.temp, self.path)

    def abort(self) -> None:
        self._writer.close()
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
