"""The results file of a sweep, appended batch by batch while runs finish.

* CSV: each batch of rows is added at the file's end in one write, synced.
  A new file (or ``--overwrite``) first gets a whole file, header and first
  rows, through a temporary file and a rename. A crash loses only the rows
  not yet written.
* Parquet cannot be appended to once closed: each batch is one row group of
  a ``ParquetWriter`` kept open on a temporary file beside the target (the
  rows of a resumed file first), renamed onto the target when the sweep
  ends or is stopped (Ctrl+C, an error). A sweep killed outright leaves the
  target as it was before the sweep.
* A FIFO or a device (``/dev/stdout``) gets the whole table once, at the end.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from observatory.outputs import OutputWriteError, Replacement, check_output
from observatory.tabular import table_format, write_table


class ResultsFile:
    """Where a sweep's rows go; ``resume`` says the file already holds rows of this sweep."""

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self.output = check_output("--out", path)
        self.form = table_format("out", str(path))
        self.resume = resume
        self.started = False  # some rows of this sweep are in the file (or its temporary file)
        self._writer: pq.ParquetWriter | None = None
        self._replacement: Replacement | None = None

    def append(self, batch: pa.Table, old: pa.Table | None) -> None:
        """Add rows at the end (``old``: the resumed file's rows, which a Parquet file is rewritten with)."""
        if self.output.stream:
            return  # a pipe or device gets the table once, at the end
        try:
            if self.form == "csv":
                self._append_csv(batch)
            else:
                self._append_parquet(batch, old)
        except OSError as error:
            raise OutputWriteError("--out", str(self.path), error.strerror or str(error)) from None
        self.started = True

    def _append_csv(self, batch: pa.Table) -> None:
        target = self.output.target
        if not self.started and not self.resume:
            write_table(batch, self.path)  # a whole new file: the header, then these rows
            return
        buffer = io.BytesIO()
        pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False))
        data = memoryview(buffer.getvalue())
        fd = os.open(target, os.O_WRONLY | os.O_APPEND)
        try:
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def _append_parquet(self, batch: pa.Table, old: pa.Table | None) -> None:
        if self._writer is None:
            self._replacement = Replacement(self.output.target)
            self._writer = pq.ParquetWriter(self._replacement.temp, batch.schema)
            if old is not None:
                self._writer.write_table(old.cast(batch.schema))
        self._writer.write_table(batch)

    def finish(self, whole: Callable[[], pa.Table]) -> None:
        """The file is whole once this returns: Parquet renamed into place, a stream given ``whole()``."""
        if self.output.stream:
            write_table(whole(), self.path)
            return
        if self._writer is None or self._replacement is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.close()
            self._replacement.commit()
        except BaseException:
            self._replacement.abandon()
            raise
