"""The OpenAPI description of the service, for clients, documentation and schemathesis.

Written out rather than generated: the payloads are the core's (attrs classes turned into
camelCase by ``curator_export.convert``), and the request schemas state only what a
client needs to build a request; the server's own validation (422, every problem located)
is the reference for the details.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from curator_export.model import Audience, ContentType, OnConflict

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": _STRING}
_OBJECT = {"type": "object"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas(format_names: Sequence[str]) -> dict[str, Any]:
    job_properties: dict[str, Any] = {
        "jobId": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"},
        "sessionIds": {"type": "array", "items": _STRING, "minItems": 1},
        "formats": {
            "type": "array",
            "items": {"type": "string", "enum": list(format_names)} if format_names else _STRING,
            "minItems": 1,
            "uniqueItems": True,
        },
        "outputDirectory": {
            "type": "string",
            "description": "relative to the batch's own folder; no absolute path, no '..'",
            "default": ".",
        },
        "namingStrategy": {"oneOf": [_STRING, {"type": "object"}]},
        "mergeSessions": {"type": "boolean"},
        "templateName": _NULLABLE_STRING,
        "includeMetadata": {"type": "boolean"},
        "brandingOptions": {"type": ["object", "null"]},
        "brandFile": {
            "description": "a brand file of the server's brand folder, or an uploaded one",
            "oneOf": [
                _STRING,
                {
                    "type": "object",
                    "properties": {"name": _STRING, "content": _STRING},
                    "required": ["name", "content"],
                },
            ],
        },
        "contentTypes": {
            "type": ["array", "null"],
            "items": {"type": "string", "enum": [item.value for item in ContentType]},
        },
        "audience": {"type": "string", "enum": [item.value for item in Audience]},
        "title": _NULLABLE_STRING,
        "formatOptions": _OBJECT,
    }
    progress_properties = {
        name: {"type": kind}
        for name, kind in {
            "totalJobs": "integer",
            "completedJobs": "integer",
            "totalFiles": "integer",
            "completedFiles": "integer",
            "failedFiles": "integer",
            "currentJobId": ["string", "null"],
            "currentOperation": "string",
            "errorsEncountered": "integer",
            "elapsedSeconds": "number",
            "estimatedRemainingSeconds": ["number", "null"],
            "estimatedCompletion": ["string", "null"],
            "progressPercent": "number",
        }.items()
    }
    return {
        "Job": {
            "type": "object",
            "properties": job_properties,
            "required": ["jobId", "sessionIds", "formats"],
            "additionalProperties": False,
        },
        "BatchRequest": {
            "type": "object",
            "properties": {
                "jobs": {"type": "array", "items": _ref("Job"), "minItems": 1},
                "options": {
                    "type": "object",
                    "properties": {
                        "parallelExports": {"type": "boolean"},
                        "maxConcurrentJobs": {"type": "integer", "minimum": 1},
                        "continueOnError": {"type": "boolean"},
                        "createManifest": {"type": "boolean"},
                        "compressOutput": {"type": "boolean"},
                        "onConflict": {"type": "string", "enum": [i.value for i in OnConflict]},
                        "exportTimeout": {"type": "number", "exclusiveMinimum": 0},
                        "maxRetries": {"type": "integer", "minimum": 0},
                        "force": {"type": "boolean"},
                    },
                },
            },
            "required": ["jobs"],
            "additionalProperties": False,
        },
        "Progress": {
            "type": "object",
            "properties": progress_properties,
            "required": list(progress_properties),
        },
        "Export": {
            "type": "object",
            "properties": {
                "format": _STRING,
                "sessionIds": _STRINGS,
                "status": _STRING,
                "success": {"type": "boolean"},
                "outputPath": _NULLABLE_STRING,
                "downloadUrl": _NULLABLE_STRING,
                "errorMessage": _NULLABLE_STRING,
                "errorKind": _NULLABLE_STRING,
            },
            "required": ["format", "sessionIds", "status", "success", "outputPath"],
        },
        "Batch": {
            "type": "object",
            "properties": {
                "batchId": _STRING,
                "status": {
                    "type": "string",
                    "enum": ["running", "completed", "failed", "interrupted", "error"],
                },
                "createdAt": _STRING,
                "jobIds": _STRINGS,
                "progress": {"oneOf": [_ref("Progress"), {"type": "null"}]},
                "exports": {"type": "array", "items": _ref("Export")},
                "result": {"type": ["object", "null"]},
                "error": _NULLABLE_STRING,
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"path": _STRING, "url": _STRING},
                        "required": ["path", "url"],
                    },
                },
                "zipUrl": _NULLABLE_STRING,
            },
            "required": ["batchId", "status", "progress", "exports", "result", "files"],
        },
        "Problems": {
            "type": "object",
            "properties": {
                "detail": _STRING,
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"message": _STRING, "location": _STRING},
                        "required": ["message"],
                    },
                },
            },
            "required": ["detail", "errors"],
        },
        "Error": {"type": "object", "properties": {"detail": _STRING}, "required": ["detail"]},
        "Sessions": {
            "type": "object",
            "properties": {
                "sessions": {"type": "array", "items": _OBJECT},
                "courses": {"type": "array", "items": _OBJECT},
                "total": {"type": "integer"},
            },
            "required": ["sessions", "courses", "total"],
        },
        "Catalog": {
            "type": "object",
            "properties": {
                name: {"type": "array"}
                for name in (
                    "formats",
                    "namingStrategies",
                    "templates",
                    "brandFiles",
                    "audiences",
                    "contentTypes",
                )
            },
            "required": ["formats", "namingStrategies", "templates"],
        },
    }


_NOT_FOUND = _json(_ref("Error"), "no such batch (or file)")
_INVALID = _json(_ref("Problems"), "every problem of the request, each with its location")
_BATCH_ID = {"name": "batch_id", "in": "path", "required": True, "schema": _STRING}


def _paths() -> dict[str, Any]:
    batch = _json(_ref("Batch"), "the batch: status, progress, exports so far, result, files")
    return {
        "/api/jobs": {
            "post": {
                "summary": "Validate a job (the seed's create_batch_export_job)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Job")}},
                },
                "responses": {
                    "200": _json(_ref("Job"), "the job with canonical names, every field set"),
                    "422": _INVALID,
                },
            }
        },
        "/api/batches": {
            "post": {
                "summary": "Start a batch (the seed's batch_export_content); answers at once",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("BatchRequest")}},
                },
                "responses": {
                    "202": batch,
                    "422": _INVALID,
                    "429": _json(_ref("Error"), "too many batches are running"),
                    "503": _json(_ref("Error"), "the service is stopping"),
                },
            },
            "get": {
                "summary": "Every batch of this server run",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"batches": {"type": "array", "items": _ref("Batch")}},
                            "required": ["batches"],
                        },
                        "the batches",
                    )
                },
            },
        },
        "/api/batches/{batch_id}": {
            "get": {
                "summary": "A batch's status and result",
                "parameters": [_BATCH_ID],
                "responses": {"200": batch, "404": _NOT_FOUND},
            }
        },
        "/api/batches/{batch_id}/events": {
            "get": {
                "summary": "Progress as server-sent events: progress, export, end",
                "parameters": [_BATCH_ID],
                "responses": {
                    "200": {
                        "description": "id = position; events progress (a Progress), export"
                        " (an Export) and end (the Batch); the stream ends after end",
                        "content": {"text/event-stream": {"schema": _STRING}},
                    },
                    "404": _NOT_FOUND,
                },
            }
        },
        "/api/batches/{batch_id}/cancel": {
            "post": {
                "summary": "Cancel a batch: no new task starts, running ones stop",
                "parameters": [_BATCH_ID],
                "responses": {"202": batch, "404": _NOT_FOUND},
            }
        },
        "/api/batches/{batch_id}/files/{path}": {
            "get": {
                "summary": "Download a file the batch made (exports, manifest, the zip)",
                "parameters": [
                    _BATCH_ID,
                    {"name": "path", "in": "path", "required": True, "schema": _STRING},
                ],
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {"application/octet-stream": {"schema": _STRING}},
                    },
                    "404": _NOT_FOUND,
                },
            }
        },
        "/api/sessions": {
            "get": {
                "summary": "Sessions: search by words, filter by course and content type",
                "parameters": [
                    {"name": "q", "in": "query", "schema": _STRING},
                    {"name": "course", "in": "query", "schema": _STRING},
                    {
                        "name": "contentType",
                        "in": "query",
                        "schema": {"type": "string", "enum": [i.value for i in ContentType]},
                    },
                ],
                "responses": {
                    "200": _json(_ref("Sessions"), "the sessions found"),
                    "422": _INVALID,
                },
            }
        },
        "/api/sessions/{session_id}/preview": {
            "get": {
                "summary": "A session rendered by the html format, for a look before exporting",
                "description": "Rendered in memory (no file is written) and served with a"
                " content security policy that runs no script and loads no image but"
                " data: URIs.",
                "parameters": [
                    {"name": "session_id", "in": "path", "required": True, "schema": _STRING},
                    {
                        "name": "audience",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": [item.value for item in Audience],
                            "default": Audience.INSTRUCTOR.value,
                        },
                    },
                    {
                        "name": "template",
                        "in": "query",
                        "description": "a theme (see /api/formats); the html default if none",
                        "schema": _STRING,
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the session as one self-contained HTML page",
                        "content": {"text/html": {"schema": _STRING}},
                    },
                    "404": _json(_ref("Error"), "no such session"),
                    "422": _INVALID,
                    "500": _json(_ref("Error"), "the html writer failed, and why"),
                    "503": _json(
                        _ref("Error"), "the html format is not installed, or the store unreadable"
                    ),
                },
            }
        },
        "/api/formats": {
            "get": {
                "summary": "Formats, naming strategies, templates and brand files",
                "responses": {"200": _json(_ref("Catalog"), "what a job can name")},
            }
        },
    }


def openapi_document(format_names: Sequence[str]) -> dict[str, Any]:
    """The OpenAPI 3.1 description; the formats enum lists this server's formats."""
    from importlib.metadata import version

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "curator-export web service",
            "version": version("curator-export-web"),
            "description": "The seed's create_batch_export_job and batch_export_content over"
            " HTTP, with progress as server-sent events. Off loopback, every request carries"
            " `Authorization: Bearer TOKEN`.",
        },
        "components": {
            "schemas": _schemas(format_names),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
        "paths": _paths(),
    }
