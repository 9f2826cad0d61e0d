"""Places: ONS-coded areas in a tree, with boundaries and deprivation."""
