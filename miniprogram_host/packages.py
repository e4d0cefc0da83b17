"""Package validation: the same checks run in `superapp mp publish` and on upload.

Every problem is collected, never only the first, so a developer fixes them in one go.
Nothing here trusts a zip's declared sizes: each member is read in bounded chunks and
abandoned as soon as it exceeds a cap or the compression-ratio limit.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from miniprogram_host.config import PackageLimits
from miniprogram_host.errors import PackageProblem
from miniprogram_host.jsapi import JSAPIS, SCOPES, jsapis_called
from miniprogram_host.semver import is_semver

ALLOWED_SUFFIXES = frozenset(
    {".html", ".js", ".css", ".json", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff2", ".txt"}
)
DOMAIN_KINDS = ("request", "socket", "upload", "download")
_CHUNK = 64 * 1024
_PAGE = re.compile(r"[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*\.html")
_HOST = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass
class CheckedPackage:
    """What the validator learned; `problems` empty means the package may be stored."""

    problems: list[PackageProblem] = field(default_factory=list)
    manifest: dict | None = None
    files: dict[str, bytes] = field(default_factory=dict)

    def fail(self, code: str, message: str, path: str | None = None) -> None:
        self.problems.append(PackageProblem(code, message, path))

    @property
    def ok(self) -> bool:
        return not self.problems


def check_package(archive: bytes, limits: PackageLimits) -> CheckedPackage:
    """Check an archive on its own (no registry): zip safety, sizes, manifest, JSAPIs."""
    checked = CheckedPackage()
    if len(archive) > limits.archive_bytes:
        checked.fail("ARCHIVE_TOO_LARGE", f"the zip is {len(archive)} bytes, over {limits.archive_bytes}")
        return checked
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        checked.fail("NOT_A_ZIP", "the upload is not a readable zip archive")
        return checked
    with zf:
        if not _read_members(zf, members, limits, checked):
            return checked
    manifest = _parse_manifest(checked)
    if manifest is not None:
        _check_manifest(manifest, checked)
        _check_sizes(manifest, checked, limits)
        _check_jsapis(manifest, checked)
    return checked


def _unsafe_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return True
    return any(part in ("..", "") for part in name.rstrip("/").split("/"))


def _read_members(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: PackageLimits,
                  checked: CheckedPackage) -> bool:
    """Read every safe member into `checked.files`; False when the archive was abandoned."""
    files = [m for m in members if not m.filename.endswith("/")]
    if len(files) > limits.max_files:
        checked.fail("TOO_MANY_FILES", f"{len(files)} files, at most {limits.max_files}")
        return False
    seen: set[str] = set()
    spellings: dict[str, str] = {}  # every folder and file name, case-folded -> as first spelt
    budget = limits.total_bytes
    for info in files:
        name = info.filename
        if _unsafe_name(name):
            checked.fail("UNSAFE_PATH", "absolute paths and '..' are not allowed", name)
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            checked.fail("SYMLINK", "symbolic links are not allowed", name)
            continue
        if name in seen:
            checked.fail("DUPLICATE_ENTRY", "the file appears twice in the archive", name)
            continue
        seen.add(name)
        clash = _case_clash(name, spellings)
        if clash is not None:
            # Read on: the file is real, and skipping it would add a spurious PAGE_MISSING.
            checked.fail("CASE_COLLISION", f"{' and '.join(sorted(clash))} differ only in case", name)
        if info.flag_bits & 0x1:
            checked.fail("ENCRYPTED_ENTRY", "encrypted files are not allowed", name)
            continue
        if PurePosixPath(name).suffix.lower() not in ALLOWED_SUFFIXES:
            checked.fail("FILE_TYPE_NOT_ALLOWED", "this type of file is not allowed", name)
            continue
        data = _bounded_read(zf, info, budget, limits, checked)
        if data is None:
            if budget <= 0 or any(p.code == "TOTAL_TOO_LARGE" for p in checked.problems):
                return False  # the uncompressed cap is spent: reading on is what a bomb wants
            continue
        budget -= len(data)
        checked.files[name] = data
    return True


def _case_clash(name: str, spellings: dict[str, str]) -> tuple[str, str] | None:
    """Two names that differ only in case (``pages/index.html``, ``pages/INDEX.html``; or
    folders, ``Pages/`` and ``pages/``) are one file or folder on a case-insensitive disk, as
    on most phones and laptops: which one a client gets would depend on unpacking order."""
    parts = name.split("/")
    for end in range(1, len(parts) + 1):
        spelt = "/".join(parts[:end])
        first = spellings.setdefault(spelt.casefold(), spelt)
        if first != spelt:
            return first, spelt
    return None


def _bounded_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limits: PackageLimits,
                  checked: CheckedPackage) -> bytes | None:
    ratio_cap = max(info.compress_size, 1) * limits.max_ratio
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > budget:
                    checked.fail("TOTAL_TOO_LARGE", f"the files add up to over {limits.total_bytes} bytes uncompressed", info.filename)
                    return None
                if total > ratio_cap and total > _CHUNK:
                    checked.fail("COMPRESSION_RATIO", f"the file expands more than {limits.max_ratio} times", info.filename)
                    return None
                chunks.append(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError) as exc:
        checked.fail("CORRUPT_ENTRY", f"the file cannot be read: {exc.__class__.__name__}", info.filename)
        return None
    return b"".join(chunks)


def _parse_manifest(checked: CheckedPackage) -> dict | None:
    raw = checked.files.get("manifest.json")
    if raw is None:
        if not any(p.path == "manifest.json" for p in checked.problems):
            checked.fail("MANIFEST_MISSING", "manifest.json is missing at the root of the package", "manifest.json")
        return None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        checked.fail("MANIFEST_MALFORMED", "manifest.json is not valid UTF-8 JSON", "manifest.json")
        return None
    if not isinstance(manifest, dict):
        checked.fail("MANIFEST_MALFORMED", "manifest.json must hold a JSON object", "manifest.json")
        return None
    checked.manifest = manifest
    return manifest


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_manifest(m: dict, checked: CheckedPackage) -> None:
    def bad(field_name: str, message: str, code: str = "MANIFEST_FIELD_INVALID") -> None:
        checked.fail(code, message, f"manifest.{field_name}")

    if not isinstance(m.get("appId"), str) or not m["appId"]:
        bad("appId", "appId is required")
    if not is_semver(m.get("version")):
        bad("version", "version must be a semantic version like 1.2.0", "VERSION_INVALID")
    if not is_semver(m.get("minClientVersion")):
        bad("minClientVersion", "minClientVersion must be a semantic version like 5.0.0", "VERSION_INVALID")
    pages = m.get("pages")
    if not _str_list(pages) or not pages:
        bad("pages", "pages must be a non-empty list of .html paths")
        pages = []
    for page in pages:
        if not _PAGE.fullmatch(page):
            bad("pages", f"{page!r} is not a relative .html path")
        elif page not in checked.files:
            checked.fail("PAGE_MISSING", f"the page {page} is not in the package", page)
    entry = m.get("entryPage")
    if not isinstance(entry, str) or entry not in pages:
        bad("entryPage", "entryPage must be one of the pages", "ENTRY_PAGE_INVALID")
    jsapis = m.get("jsapis", [])
    if not _str_list(jsapis):
        bad("jsapis", "jsapis must be a list of API names")
    else:
        for name in jsapis:
            if name not in JSAPIS:
                checked.fail("UNKNOWN_JSAPI", f"{name} is not a JSAPI the host offers", "manifest.jsapis")
    scopes = m.get("scopes", [])
    if not isinstance(scopes, list):
        bad("scopes", "scopes must be a list of {scope, reason}")
        scopes = []
    for item in scopes:
        scope = item.get("scope") if isinstance(item, dict) else None
        if scope not in SCOPES:
            checked.fail("UNKNOWN_SCOPE", f"{scope!r} is not a scope the host grants", "manifest.scopes")
            continue
        reason = item.get("reason")
        if not isinstance(reason, str) or len(reason.strip()) < 4 or len(reason) > 200:
            checked.fail("SCOPE_REASON_MISSING", f"scope {scope} needs a reason (4-200 characters) shown to users", "manifest.scopes")
    domains = m.get("domains", {})
    if not isinstance(domains, dict) or set(domains) - set(DOMAIN_KINDS):
        bad("domains", f"domains must be an object with lists under {', '.join(DOMAIN_KINDS)}")
    else:
        for kind, hosts in domains.items():
            if not _str_list(hosts) or not all(_HOST.fullmatch(h) for h in hosts):
                bad(f"domains.{kind}", "each domain must be a lower-case host name like api.example.com")
    subpackages = m.get("subpackages", [])
    if not _str_list(subpackages) or not all(re.fullmatch(r"[A-Za-z0-9_\-]+/", s) for s in subpackages):
        bad("subpackages", "subpackages must be a list of top-level folder names ending in '/'")


def _check_sizes(m: dict, checked: CheckedPackage, limits: PackageLimits) -> None:
    roots = tuple(s for s in m.get("subpackages", []) if isinstance(s, str)) if isinstance(m.get("subpackages"), list) else ()
    main = sum(len(data) for name, data in checked.files.items() if not (roots and name.startswith(roots)))
    if main > limits.main_bytes:
        checked.fail("MAIN_PACKAGE_TOO_LARGE", f"the main package is {main} bytes, over {limits.main_bytes}")


def _check_jsapis(m: dict, checked: CheckedPackage) -> None:
    declared = set(m.get("jsapis", [])) if _str_list(m.get("jsapis", [])) else set()
    for name, data in sorted(checked.files.items()):
        if not name.endswith(".js"):
            continue
        for api in sorted(jsapis_called(data.decode("utf-8", errors="replace")) - declared):
            checked.fail("UNDECLARED_JSAPI", f"the code calls sa.{api} but the manifest does not declare it", name)


def normalise_domains(domains: dict) -> dict[str, list[str]]:
    return {kind: sorted(set(domains.get(kind, []))) for kind in DOMAIN_KINDS}


def is_host_name(text: str) -> bool:
    return bool(_HOST.fullmatch(text))
