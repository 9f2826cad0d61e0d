"""The facts of partnership working in the API."""

from ninja import Router

router = Router()
