"""``/clients/import/``: a manager brings the client list over from a CSV file
(decision 0019). Works without JavaScript: upload, map and preview, import, report."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.views import View

from clinic import client_import
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError

SESSION_KEY = "client_import"


class ClientImportView(ClinicStaffMixin, View):
    required_ability = Ability.IMPORT_CLIENTS

    def get(self, request):
        request.session.pop(SESSION_KEY, None)
        return self._upload_page(request)

    def post(self, request):
        step = request.POST.get("step", "upload")
        if step == "upload":
            return self._upload(request)
        stored = request.session.get(SESSION_KEY)
        if not stored:
            return self._upload_page(
                request, error="The upload has expired; choose the file again.", status=400
            )
        try:
            csv_file = client_import.read_csv(stored["content"].encode("utf-8"))
        except ApplicationError as exc:
            return self._upload_page(request, error=exc.detail, status=400)
        mapping = self._mapping_from(request, csv_file)
        if step == "import":
            try:
                report = client_import.clients_import(
                    clinic=self.clinic, actor=request.user, csv_file=csv_file, mapping=mapping
                )
            except ApplicationError as exc:
                return self._map_page(request, csv_file, mapping, stored["name"], exc.detail, 400)
            request.session.pop(SESSION_KEY, None)
            return render(request, "clinic/client_import_report.html", {"report": report})
        return self._map_page(request, csv_file, mapping, stored["name"])

    def _upload(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return self._upload_page(request, error="Choose a CSV file to import.", status=400)
        if upload.size is not None and upload.size > client_import.MAX_BYTES:
            return self._upload_page(
                request,
                error="The file is larger than 2 MB; split it into smaller files.",
                status=400,
            )
        content = upload.read(client_import.MAX_BYTES + 1)
        try:
            csv_file = client_import.read_csv(content)
        except ApplicationError as exc:
            return self._upload_page(request, error=exc.detail, status=400)
        # Kept decoded for the mapping steps (at most 2 MB, the staff member's own session).
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
        request.session[SESSION_KEY] = {"name": upload.name or "clients.csv", "content": text}
        mapping = client_import.guess_mapping(csv_file.headers)
        return self._map_page(request, csv_file, mapping, upload.name or "clients.csv")

    def _mapping_from(self, request, csv_file) -> dict[str, int | None]:
        mapping: dict[str, int | None] = {}
        for target in client_import.TARGETS:
            raw = request.POST.get(f"map_{target}", "")
            try:
                index = int(raw)
            except ValueError:
                index = -1
            mapping[target] = index if 0 <= index < len(csv_file.headers) else None
        return mapping

    def _upload_page(self, request, *, error: str = "", status: int = 200):
        return render(
            request,
            "clinic/client_import.html",
            {
                "error": error,
                "max_mb": client_import.MAX_BYTES // (1024 * 1024),
                "max_rows": client_import.MAX_ROWS,
            },
            status=status,
        )

    def _map_page(self, request, csv_file, mapping, name, error: str = "", status: int = 200):
        context: dict[str, Any] = {
            "name": name,
            "headers": list(enumerate(csv_file.headers)),
            "targets": [
                (key, label, mapping.get(key)) for key, (label, _) in client_import.TARGETS.items()
            ],
            "row_count": len(csv_file.rows),
            "error": error,
        }
        try:
            check = client_import.import_check(
                clinic=self.clinic, csv_file=csv_file, mapping=mapping
            )
        except ApplicationError as exc:
            context["error"] = error or exc.detail
            status = 400 if error or status != 200 else 200
        else:
            context.update(
                preview=check.rows[: client_import.PREVIEW_ROWS],
                accepted=len(check.accepted),
                duplicates=check.of("duplicate"),
                rejected=check.of("rejected"),
            )
        return render(request, "clinic/client_import_map.html", context, status=status)
