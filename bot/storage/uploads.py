"""Where an uploaded campaign image is served (#11): a public URL with its unguessable token."""

from __future__ import annotations

from bot.storage.models import Upload


def media_url(public_url: str, upload: Upload) -> str:
    extension = "png" if upload.content_type == "image/png" else "jpg"
    return f"{public_url.rstrip('/')}/media/{upload.token}.{extension}"
