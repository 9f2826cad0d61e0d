"""The public data as one Frictionless Data Package: ``datapackage.json`` and a CSV file for
each public table, described field by field, with its licence (OGL v3.0) and sources.

The package follows the Data Package and Table Schema specifications
(https://datapackage.org/): each resource names its file (``path``), its ``schema`` (every
field with its type), title, description and sources; foreign keys tie the figures, status,
targets and ward figures to the indicators and areas. Its ``version`` rises with the data:
``1.<latest change>.<latest assessment run>``, and ``created`` is the time of the latest of
the two, so the same data always makes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

from django.core.cache import cache

from joinedup.public import caching
from joinedup.public.tables import Table, gather, public_indicators
from joinedup.reports.contents import partnership_name

DESCRIPTOR = "datapackage.json"
ZIP_NAME = "public-data.zip"
OGL = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
       "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
ONS_GEOGRAPHY = {"title": "Office for National Statistics: area codes and boundaries",
                 "path": "https://geoportal.statistics.gov.uk/"}
OWN = {"title": "The partnership's own records: its strategy, targets, assessments and packs"}
#: Resource name → the sources beyond the partnership's own records.
SOURCES = {"figures": "indicators", "status": "indicators", "ward-figures": "indicators",
           "areas": "geography"}
AREA_KEYS = {"figures": "area", "status": "area", "targets": "area", "ward-figures": "ward"}


class PublicData:
    """The public tables and the package made from them, for one state of the data."""

    def __init__(self, tables: dict[str, Table], stamp: tuple):
        self.tables = tables
        self.stamp = stamp

    @property
    def version(self) -> str:
        changes, _, runs, _ = self.stamp
        return f"1.{changes or 0}.{runs or 0}"

    @property
    def created(self) -> str:
        times = [t for t in (self.stamp[1], self.stamp[3]) if t is not None]
        moment = max(times) if times else dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
        return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace(
            "+00:00", "Z")

    def descriptor(self) -> dict:
        name = partnership_name()
        indicator_sources = _indicator_sources()
        return {
            "name": _slug(name) + "-public-data",
            "title": f"{name}: public data",
            "description": (
                f"What {name} publishes: its strategy's themes and outcomes, its public "
                "indicators with every approved figure, their latest status and targets, the "
                "figures on its ward maps, the packs its bodies published, and the areas "
                "they name."),
            "version": self.version,
            "created": self.created,
            "licenses": [OGL],
            "sources": [OWN, *indicator_sources, ONS_GEOGRAPHY],
            "resources": [self.resource(table, indicator_sources)
                          for table in self.tables.values()],
        }

    def resource(self, table: Table, indicator_sources: list[dict]) -> dict:
        schema = {"fields": [{"name": c.name, "type": c.type, "title": c.title,
                              **({"description": c.description} if c.description else {})}
                             for c in table.columns]}
        keys = []
        if "indicator" in {c.name for c in table.columns}:
            keys.append({"fields": "indicator",
                         "reference": {"resource": "indicators", "fields": "code"}})
        if table.name in AREA_KEYS:
            keys.append({"fields": AREA_KEYS[table.name],
                         "reference": {"resource": "areas", "fields": "code"}})
        if keys:
            schema["foreignKeys"] = keys
        if table.name in ("indicators", "areas"):
            schema["primaryKey"] = ["code"]
        extra = {"indicators": indicator_sources, "geography": [ONS_GEOGRAPHY]}.get(
            SOURCES.get(table.name), [])
        return {"name": table.name, "path": f"{table.name}.csv", "title": table.title,
                "description": table.description, "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8", "licenses": [OGL], "sources": [OWN, *extra],
                "schema": schema}

    def descriptor_bytes(self) -> bytes:
        return (json.dumps(self.descriptor(), indent=2, ensure_ascii=False) + "\n").encode()

    def files(self) -> dict[str, bytes]:
        """Every file of the package by name, the descriptor first."""
        return {DESCRIPTOR: self.descriptor_bytes(),
                **{f"{name}.csv": table.csv_bytes() for name, table in self.tables.items()}}

    def zip_bytes(self) -> bytes:
        out = io.BytesIO()
        stamp = tuple(int(p) for p in re.findall(r"\d+", self.created)[:6])
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files().items():
                archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content,
                                 compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, content in self.files().items():
            path = folder / name
            path.write_bytes(content)
            written.append(path)
        return written


def current(stamp: tuple | None = None) -> PublicData:
    """The public data as it stands, gathered once per state of the data (and process)."""
    stamp = stamp if stamp is not None else caching.data_stamp()
    key = "public-data:" + caching.stamp_key(stamp)
    tables = cache.get(key)
    if tables is None:
        tables = gather()
        cache.set(key, tables, timeout=caching.KEPT_SECONDS)
    return PublicData(tables, stamp)


def _indicator_sources() -> list[dict]:
    found = {}
    for source, url in (public_indicators().order_by("source")
                        .values_list("source", "source_url")):
        if source and source not in found:
            found[source] = {"title": source, **({"path": url} if url else {})}
    return list(found.values())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "partnership"
