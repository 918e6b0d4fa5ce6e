"""portability API."""

from ninja import Router

router = Router()
