"""Which boundaries to draw for an area, and how to shade them."""

from __future__ import annotations

from joinedup.places.models import Area


def map_for(area: Area) -> dict | None:
    """Layers for the area's map: its outline, and its smaller areas shaded.

    The smaller areas are the nearest level below that has boundaries (a district with
    localities but no locality boundaries shows its wards, shaded by locality). LSOAs are
    shaded by IMD 2019 decile.
    """
    level_down = list(Area.objects.filter(parent=area).select_related("parent"))
    group_by_parent = False
    if level_down and all(child.boundary is None for child in level_down):
        level_down = list(
            Area.objects.filter(parent__parent=area, boundary__isnull=False).select_related(
                "parent"
            )
        )
        group_by_parent = True
    pieces = [child for child in level_down if child.boundary]
    if area.boundary is None and not pieces:
        return None
    features = []
    for piece in sorted(pieces, key=lambda a: a.name):
        properties = {"name": piece.name, "decile": piece.imd_decile}
        if group_by_parent:
            properties["group"] = piece.parent.name
        features.append({"type": "Feature", "geometry": piece.boundary, "properties": properties})
    if features and all(f["properties"]["decile"] for f in features):
        shading = ("decile", "IMD 2019 decile (1 = most deprived 10%)", True)
    elif group_by_parent:
        shading = ("group", pieces[0].parent.get_level_display(), False)
    elif not features and area.imd_decile:
        shading = None
    else:
        shading = (None, None, False)
    if shading is None:
        features = [{"type": "Feature", "geometry": area.boundary,
                     "properties": {"name": area.name, "decile": area.imd_decile}}]
        shading = ("decile", "IMD 2019 decile (1 = most deprived 10%)", True)
    field, title, ordinal = shading
    return {
        "outline": area.boundary,
        "features": features,
        "colour_field": field,
        "colour_title": title,
        "ordinal": ordinal,
        "pieces": pieces,
        "grouped": group_by_parent,
    }
