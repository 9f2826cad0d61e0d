"""Each body's constitution (terms of reference, membership rules, code of conduct) kept with
versions, and the information-sharing charter that decides which partner sees whose data."""
