"""The raw body as a file download: exact bytes, never rendered or sniffed by the browser."""

from django.http import HttpResponse

from hits.models import Hit


def body_file_name(hit_id: int) -> str:
    """The download's file name, which the replay commands read large bodies from."""
    return f"hit-{hit_id}-body.bin"


def raw_body_response(hit: Hit) -> HttpResponse:
    response = HttpResponse(bytes(hit.body), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{body_file_name(hit.pk)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
