"""Pages of the quarterly cycle: rounds, entry, uploads, sign-off, history, files."""

from joinedup.returns.views.downloads import export_download, template_download
from joinedup.returns.views.entry import enter
from joinedup.returns.views.rounds import round_detail, rounds
from joinedup.returns.views.signoff import approvals, my_values, value
from joinedup.returns.views.uploads import upload, upload_new

__all__ = [
    "approvals", "enter", "export_download", "my_values", "round_detail", "rounds",
    "template_download", "upload", "upload_new", "value",
]
