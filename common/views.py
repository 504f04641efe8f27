from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET

from common.exceptions import status_error_body
from common.middleware import healthz_response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker, beat and outbox (normally answered by the middleware)."""
    return healthz_response(live_only=request.GET.get("check") == "live")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the API's JSON error shape under /api/, the HTML page elsewhere."""
    if _wants_json(request):
        return JsonResponse(status_error_body(404), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(status_error_body(500), status=500)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for requests Django refuses before any view (too large, malformed)."""
    if _wants_json(request):
        from django.core.exceptions import RequestDataTooBig

        body = status_error_body(413 if isinstance(exception, RequestDataTooBig) else 400)
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(status_error_body(403), status=403)
    return defaults.permission_denied(request, exception)
