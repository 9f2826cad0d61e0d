"""The public data in the API: the data package's descriptor, and each of its tables as
JSON. Anyone may read them, with or without a token; they hold public data only, the
same whoever asks."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Router
from ninja.errors import HttpError

from joinedup.common.api import DETAIL_ERRORS, READ_ERRORS
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.public import package
from joinedup.public.views import table_json

router = Router(auth=READ)

ResourceName = Annotated[str, Path(pattern=r"^[a-z][a-z-]{0,39}$",
                                   description="A resource of the package, such as figures.")]


@router.get("/datapackage", response={200: dict, **READ_ERRORS},
            summary="The public data package", openapi_extra=OPTIONAL_TOKEN)
def datapackage(request):
    """The Frictionless Data Package descriptor (``datapackage.json``): every resource with
    its fields and types, licence and sources. The CSV files are under ``/public/data/``."""
    return package.current().descriptor()


@router.get("/resources/{name}", response={200: dict, **DETAIL_ERRORS},
            summary="One public table", openapi_extra=OPTIONAL_TOKEN)
def resource(request, name: ResourceName):
    """One resource of the package as JSON: its name, title, fields and rows."""
    table = package.current().tables.get(name)
    if table is None:
        raise HttpError(404, f"There is no public resource {name!r}; there are "
                             f"{', '.join(package.current().tables)}.")
    return table_json(table)
