"""``GET /statements/{accountId}.csv|pdf?from=YYYY-MM-DD&to=YYYY-MM-DD``: a customer's
statement as a file, with their access token (``Authorization: Bearer``), for their own
accounts only (another's is not found, as an unknown one)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity.roles import Role
from ledger import errors
from ledger.service import Customer

_MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _refusal(code: str, message: str, status: int, **extra) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status,
                        headers={"cache-control": "no-store"})


def _day(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name, "")
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


async def download_statement(request: Request) -> Response:
    principal = request.scope.get("principal")
    if principal is None:
        return _refusal("UNAUTHENTICATED", "Sign in to download a statement.", 401)
    if not principal.has_any({Role.CUSTOMER}):
        return _refusal("FORBIDDEN", "This needs the role customer.", 403)
    raw_id, file_format = request.path_params["account_id"], request.path_params["format"]
    if file_format not in _MEDIA:
        return _refusal("INVALID_INPUT", "a statement is .csv or .pdf", 400, field="format")
    start, end = _day(request, "from"), _day(request, "to")
    for name, value in (("from", start), ("to", end)):
        if value is None:
            return _refusal("INVALID_INPUT", f"{name} is a date as YYYY-MM-DD", 400, field=name)
    if not raw_id.isdigit() or len(raw_id) > 18:
        return _refusal("ACCOUNT_NOT_FOUND", "no such account", 404)
    try:
        body = await request.app.state.runtime.ledger.statement_file(
            by=Customer(user_id=principal.user_id, session_id=principal.session_id), account_id=int(raw_id),
            start=start, end=end, file_format=file_format,
        )
    except errors.AccountNotFound:
        return _refusal("ACCOUNT_NOT_FOUND", "no such account", 404)
    except errors.StatementTooLarge as exc:
        return _refusal("STATEMENT_TOO_LARGE", str(exc), 422, maxLines=exc.max_lines)
    except errors.StatementsExhausted as exc:
        response = _refusal("RATE_LIMITED", str(exc), 429, retryAfterSeconds=exc.retry_after_seconds)
        response.headers["retry-after"] = str(exc.retry_after_seconds)
        return response
    except errors.StatementFontMissing as exc:
        return _refusal("PDF_UNAVAILABLE", str(exc), 503)
    except errors.InvalidRequest as exc:
        return _refusal("INVALID_INPUT", str(exc), 400, field=exc.field)
    filename = f"statement-{start.isoformat()}-{end.isoformat()}.{file_format}"
    return Response(body, media_type=_MEDIA[file_format], headers={
        "content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store",
    })


def statement_routes() -> list[Route]:
    return [Route("/statements/{account_id}.{format}", download_statement, methods=["GET"])]
