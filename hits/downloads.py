"""The raw body as a file download: exact bytes, never rendered or sniffed by the browser."""

from django.http import HttpResponse

from hits.models import Hit


def raw_body_response(hit: Hit) -> HttpResponse:
    response = HttpResponse(bytes(hit.body), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="hit-{hit.pk}-body.bin"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
