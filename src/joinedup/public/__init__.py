"""The public transparency site: the strategy, public indicators and their status, ward maps
and the Board's public packs for anyone, with CSV and JSON downloads and the whole public
data as one Frictionless Data Package."""
