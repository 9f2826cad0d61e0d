"""The partnership: partner organisations, the bodies that form its layers, and their people."""
