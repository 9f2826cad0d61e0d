"""The tables a backup holds, read through the models of the database's migration state.

A backup records which migrations its database had applied, and its rows have the columns
of that state. Restoring brings an empty database to the same state first, loads the rows
through the same historical models, then migrates on to the current code: so an archive
made by an older release restores into a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as current_apps
from django.db.migrations.loader import MigrationLoader

#: Migrations as ``{app label: [name, …]}``, sorted.
MigrationState = dict[str, list[str]]


def applied_state(connection) -> MigrationState:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    state: MigrationState = {}
    for app_label, name in loader.applied_migrations:
        state.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def latest_state(connection) -> MigrationState:
    loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
    state: MigrationState = {}
    for app_label, name in loader.graph.nodes:
        state.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def models_at(connection, state: MigrationState) -> list:
    """The concrete tables' models at ``state``, each after the models it refers to where
    the references allow (references are checked at commit, so a cycle does no harm)."""
    if state == latest_state(connection):
        registry = current_apps
    else:
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        nodes = [(app, name) for app, names in state.items() for name in names]
        registry = loader.project_state(nodes, at_end=True).apps
    models = [m for m in registry.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    return _referenced_first(sorted(models, key=lambda m: m._meta.label_lower))


def _referenced_first(models: list) -> list:
    by_label = {m._meta.label_lower: m for m in models}
    done: dict[str, None] = {}
    visiting: set[str] = set()

    def visit(model) -> None:
        label = model._meta.label_lower
        if label in done or label in visiting:
            return
        visiting.add(label)
        for target in _references(model):
            if target in by_label:
                visit(by_label[target])
        visiting.discard(label)
        done[label] = None

    for model in models:
        visit(model)
    return [by_label[label] for label in done]


def _references(model) -> Iterable[str]:
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is not None:
            yield field.related_model._meta.label_lower


def label(model) -> str:
    return model._meta.label_lower
