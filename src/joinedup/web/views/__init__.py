"""The site's pages.

Pages that combine several apps (a theme's indicators with their figures and assessments,
an area with its figures, a body with its themes) sit here, above the apps they draw on:
a lower app never imports a higher one (see the layers contract in pyproject.toml).
"""
