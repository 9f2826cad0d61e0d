"""Reports: each layer's zero-based report, and its packs (PDF, HTML and Excel), built,
issued and frozen."""
