"""Quarterly returns: the figures partners send, the rounds that collect them, the files."""

from joinedup.returns.models.rounds import CollectionRound, ExpectedReturn, ReminderSent
from joinedup.returns.models.uploads import Upload, UploadFile
from joinedup.returns.models.values import DataValue

__all__ = ["CollectionRound", "DataValue", "ExpectedReturn", "ReminderSent", "Upload", "UploadFile"]
