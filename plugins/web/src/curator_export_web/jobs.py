"""Requests' jobs and batches to model objects: the core's converters plus the service's rules.

The core's converters check everything a jobs file is checked for; on top, the service
confines every path a request names (see ``confine``) and refuses what would let a request
read or write outside the service's folders: template folders, file-valued format options,
plugins' settings tables (an upload target is a place to write). Every problem of a request
is reported at once, each with its location, like the core's ``ValidationError``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from curator_export.branding import load_brand_file
from curator_export.convert import Converters, unstructure
from curator_export.errors import BrandingError, ValidationError
from curator_export.model import BatchExportJob, BatchExportOptions, Branding
from curator_export.plugins import PluginHost
from curator_export_web.confine import looks_like_a_path, relative_problem, resolve_below

#: Beside the job's own fields: a brand file by name (in the brand folder) or uploaded as
#: ``{"name": "acme.toml", "content": "..."}``.
BRAND_FILE_KEY = "brandFile"
BRAND_SUFFIXES = (".toml", ".json", ".yml", ".yaml")
MAX_BRAND_FILE_CHARS = 256 * 1024


@attrs.frozen
class BatchRequest:
    jobs: tuple[BatchExportJob, ...]
    options: BatchExportOptions


class JobReader:
    """Reads camelCase jobs and batches against one plugin host and brand folder."""

    def __init__(self, host: PluginHost, brand_dir: Path | None) -> None:
        self.host = host
        self.converters = Converters(host)
        self.brand_dir = brand_dir

    def job(self, raw: Any, where: str = "$") -> BatchExportJob:
        """One job, its output folder relative (not yet placed in a batch's folder)."""
        if not isinstance(raw, Mapping):
            raise ValidationError([f"expected a job object @ {where}"])
        data = dict(raw)
        brand_file = data.pop(BRAND_FILE_KEY, None)
        data.setdefault("outputDirectory", ".")
        errors = self._path_problems(data, where)
        job: BatchExportJob | None = None
        try:
            job = self.converters.structure(data, BatchExportJob, camel_case=True, path=where)
        except ValidationError as exc:
            errors += exc.errors
        branding: Branding | None = None
        if brand_file is not None:
            try:
                branding = self._brand_file(brand_file)
            except (BrandingError, ValueError) as exc:
                errors.append(f"{exc} @ {where}.{BRAND_FILE_KEY}")
            if data.get("brandingOptions") is not None:
                errors.append(f"give brandFile or brandingOptions, not both @ {where}")
        if job is not None and job.settings:
            names = ", ".join(sorted(job.settings))
            errors.append(f"plugins' settings ({names}) are not accepted over HTTP @ {where}")
        if errors:
            raise ValidationError(errors)
        assert job is not None
        if branding is not None:
            job = attrs.evolve(job, branding_options=branding)
        elif job.branding_options is not None and job.branding_options.logo is not None:
            try:
                logo = self._logo(job.branding_options.logo)
            except ValueError as exc:
                raise ValidationError([f"{exc} @ {where}.brandingOptions.logo"]) from None
            job = attrs.evolve(job, branding_options=attrs.evolve(job.branding_options, logo=logo))
        return job

    def batch(self, raw: Any) -> BatchRequest:
        """``{"jobs": [...], "options": {...}}``; job ids must be unique within the batch."""
        if not isinstance(raw, Mapping):
            raise ValidationError(['expected {"jobs": [...], "options": {...}} @ $'])
        errors = [f"unknown field @ $.{key}" for key in sorted(set(raw) - {"jobs", "options"})]
        raw_jobs = raw.get("jobs")
        if not isinstance(raw_jobs, list) or not raw_jobs:
            errors.append("expected a non-empty list of jobs @ $.jobs")
            raw_jobs = []
        jobs: list[BatchExportJob] = []
        for index, raw_job in enumerate(raw_jobs):
            try:
                jobs.append(self.job(raw_job, f"$.jobs[{index}]"))
            except ValidationError as exc:
                errors += exc.errors
        first: dict[str, int] = {}
        for index, raw_job in enumerate(raw_jobs):
            job_id = raw_job.get("jobId") if isinstance(raw_job, Mapping) else None
            if isinstance(job_id, str) and job_id in first:
                errors.append(
                    f"duplicate jobId {job_id!r} (first at $.jobs[{first[job_id]}])"
                    f" @ $.jobs[{index}].jobId"
                )
            if isinstance(job_id, str):
                first.setdefault(job_id, index)
        raw_options = raw.get("options", {})
        options = BatchExportOptions()
        try:
            options = self.converters.structure(
                raw_options, BatchExportOptions, camel_case=True, path="$.options"
            )
        except ValidationError as exc:
            errors += exc.errors
        if isinstance(raw_options, Mapping) and raw_options.get("templateDirs"):
            errors.append(
                "template folders are not accepted over HTTP (the server's own themes are"
                " used) @ $.options.templateDirs"
            )
        if errors:
            raise ValidationError(errors)
        return BatchRequest(jobs=tuple(jobs), options=options)

    # -- paths ---------------------------------------------------------------------------

    def _path_problems(self, data: Mapping[str, Any], where: str) -> list[str]:
        problems = []
        folder = data.get("outputDirectory")
        if isinstance(folder, str) and (problem := relative_problem(folder, "outputDirectory")):
            problems.append(f"{problem} @ {where}.outputDirectory")
        options = data.get("formatOptions")
        if isinstance(options, Mapping):
            for name, settings in options.items():
                if not isinstance(settings, Mapping):
                    continue
                for key, value in settings.items():
                    if isinstance(value, str) and looks_like_a_path(value):
                        problems.append(
                            "file paths are not accepted over HTTP"
                            f" @ {where}.formatOptions.{name}.{key}"
                        )
        return problems

    def _logo(self, logo: str) -> str:
        """A logo named by a request: a file of the brand folder (ValueError if not)."""
        if self.brand_dir is None:
            raise ValueError("this server has no brand folder for logos")
        return str(resolve_below(self.brand_dir, logo, "logo"))

    def _brand_file(self, value: Any) -> Branding:
        """A brand file named in the brand folder, or uploaded with its content."""
        if isinstance(value, str):
            if self.brand_dir is None:
                raise ValueError("this server has no brand folder")
            return load_brand_file(resolve_below(self.brand_dir, value, "brandFile"))
        if not isinstance(value, Mapping) or set(value) != {"name", "content"}:
            raise ValueError('expected a file name or {"name": ..., "content": ...}')
        name, content = value["name"], value["content"]
        if not isinstance(name, str) or not isinstance(content, str):
            raise ValueError("the brand file's name and content must be strings")
        if len(content) > MAX_BRAND_FILE_CHARS:
            raise ValueError(f"the brand file is larger than {MAX_BRAND_FILE_CHARS} characters")
        suffix = Path(name).suffix.lower()
        if suffix not in BRAND_SUFFIXES:
            raise ValueError("a brand file is .toml, .json or _brand.yml")
        with tempfile.TemporaryDirectory(prefix="curator-brand-") as folder:
            # Quarto's _brand.yml is told apart by its suffix: keep it in the file's name.
            path = Path(folder) / f"brand{suffix}"
            path.write_text(content, encoding="utf-8")
            branding = load_brand_file(path)
            if branding.logo is None:
                return branding
            # load_brand_file placed a relative logo beside the (temporary) file: an
            # uploaded brand's logo is a file of the brand folder instead.
            logo = Path(branding.logo)
            if not logo.is_relative_to(folder):
                raise ValueError("an uploaded brand file's logo must be a relative file name")
            relative = logo.relative_to(folder).as_posix()
        return attrs.evolve(branding, logo=self._logo(relative))


def job_payload(job: BatchExportJob) -> dict[str, Any]:
    """A job as the seed's camelCase JSON (what ``create_batch_export_job`` returns)."""
    data: dict[str, Any] = unstructure(job, camel_case=True)
    return data
