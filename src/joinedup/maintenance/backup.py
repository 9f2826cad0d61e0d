"""Write a backup: every table's rows and every kept file, from one snapshot."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import connections
from django.utils import timezone

from joinedup.maintenance import archive, codec, schema
from joinedup.maintenance.progress import Steps
from joinedup.maintenance.snapshot import consistent_snapshot

BATCH = 2000


def back_up(out: Path, *, steps: Steps, using: str = "default") -> dict:
    """Write the database to ``out``; its manifest, with the archive's ``sha256``."""
    connection = connections[using]
    writer = archive.ArchiveWriter(out)
    try:
        with consistent_snapshot(connection):
            state = schema.applied_state(connection)
            models = schema.models_at(connection, state)
            counts = {schema.label(m): m._base_manager.using(using).count() for m in models}
            tables, files = [], {"count": 0, "bytes": 0}
            with steps.bar("Saving the rows", total=sum(counts.values())) as advance:
                for model in models:
                    tables.append(_save_table(model, writer, files, using, advance))
        manifest = {
            "format": archive.FORMAT,
            "version": archive.VERSION,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "migrations": state,
            "tables": tables,
            "files": files,
        }
        steps.note("Writing the manifest")
        sha256 = writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    return {**manifest, "sha256": sha256}


def _save_table(model, writer, files: dict, using: str, advance) -> dict:
    name = schema.label(model)
    fields = list(model._meta.local_concrete_fields)
    key = fields.index(model._meta.pk)
    binary = [i for i, field in enumerate(fields) if codec.is_binary(field)]
    member = f"data/{name}.jsonl"
    rows = 0
    query = (model._base_manager.using(using).order_by("pk")
             .values_list(*[field.attname for field in fields]))
    # A zip writes one member at a time: the rows of a table with kept files (a few, each
    # naming its file) are held until its files are written.
    with (_Held(writer, member) if binary else writer.lines(member)) as lines:
        for row in query.iterator(chunk_size=BATCH):
            values = [codec.to_json(value) for value in row]
            for i in binary:
                if row[i] is not None:
                    content = bytes(row[i])
                    values[i] = f"files/{name}/{values[key]}.{fields[i].attname}"
                    writer.write(values[i], content)
                    files["count"] += 1
                    files["bytes"] += len(content)
            lines.write(json.dumps(values, ensure_ascii=False, separators=(",", ":"))
                        .encode() + b"\n")
            rows += 1
            if rows % BATCH == 0:
                advance(BATCH)
    advance(rows % BATCH)
    return {"model": name, "table": model._meta.db_table,
            "columns": [field.attname for field in fields], "rows": rows, "member": member}


class _Held:
    def __init__(self, writer, name: str):
        self.writer, self.name, self.lines = writer, name, []

    def __enter__(self):
        return self

    def write(self, line: bytes) -> None:
        self.lines.append(line)

    def __exit__(self, *exc) -> None:
        self.writer.write(self.name, b"".join(self.lines))
