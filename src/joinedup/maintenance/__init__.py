"""Running JoinedUp: backups and restores, the doctor, the health endpoint and JSON logs.

It sits at the top of the layers beside the pages and the API, since a backup reads every
app's tables.
"""
