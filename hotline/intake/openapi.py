"""The OpenAPI 3.1 document for the machine-client API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hotline.intake.schema import ACCOUNT_FIELDS, ANNOTATIONS, INCIDENT_TYPES, MAX_BATCH

PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["title", "status"],
}


def _hex(length: int) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^[0-9a-fA-F]{{{length}}}$"}


def document() -> dict[str, Any]:
    file_schema = {
        "type": "object",
        "additionalProperties": False,
        "description": "A file known by its hashes; the file itself is never required.",
        "properties": {
            "file_name": {"type": "string", "maxLength": 255},
            "size": {"type": "integer", "minimum": 0},
            "media_type": {"type": "string", "maxLength": 100},
            "md5": _hex(32),
            "sha1": _hex(40),
            "sha256": _hex(64),
            "pdq": _hex(64),
            "pdq_quality": {"type": "integer", "minimum": 0, "maximum": 100},
        },
        "anyOf": [{"required": ["md5"]}, {"required": ["sha1"]}, {"required": ["sha256"]}],
    }
    report_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["external_id", "incident_type"],
        "anyOf": [
            {"required": ["urls"], "properties": {"urls": {"minItems": 1}}},
            {"required": ["files"], "properties": {"files": {"minItems": 1}}},
        ],
        "properties": {
            "external_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "Your own identifier; a second report with the same one is a duplicate.",
            },
            "incident_type": {"type": "string", "enum": list(INCIDENT_TYPES)},
            "incident_time": {"type": "string", "format": "date-time"},
            "platform": {"type": "string", "maxLength": 200},
            "description": {"type": "string", "maxLength": 20000},
            "urls": {
                "type": "array",
                "maxItems": 1000,
                "items": {"type": "string", "minLength": 1},
            },
            "files": {"type": "array", "maxItems": 1000, "items": file_schema},
            "reported_accounts": {
                "type": "array",
                "maxItems": 100,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        k: {"type": "string", "minLength": 1, "maxLength": 500}
                        for k in ACCOUNT_FIELDS
                    },
                },
            },
            "annotations": {
                "type": "array",
                "maxItems": 20,
                "items": {"type": "string", "enum": list(ANNOTATIONS)},
            },
            "urgent_reason": {
                "type": "string",
                "maxLength": 500,
                "description": "Set to escalate: why this needs attention now.",
            },
            "child_in_danger": {"type": "boolean"},
        },
    }
    result_schema = {
        "type": "object",
        "required": ["reports"],
        "properties": {
            "reports": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["external_id", "reference", "result", "status_url"],
                    "properties": {
                        "external_id": {"type": "string"},
                        "reference": {"type": "string"},
                        "result": {"type": "string", "enum": ["created", "duplicate"]},
                        "status_url": {"type": "string"},
                    },
                },
            }
        },
    }
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.INSTANCE_NAME} API",
            "version": "1",
            "description": "Machine clients authenticate with 'Authorization: Bearer hl_<key id>_<secret>'. "
            "Errors are RFC 9457 problem documents.",
        },
        "servers": [{"url": settings.BASE_URL + "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": PROBLEM, "Report": report_schema, "Result": result_schema},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/reports": {
                "post": {
                    "operationId": "submitReports",
                    "summary": "Submit a batch of reports (scope: intake)",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Send the same key when you retry; you get the first answer again.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["reports"],
                                    "properties": {
                                        "reports": {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": MAX_BATCH,
                                            "items": {"$ref": "#/components/schemas/Report"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Stored (some or all created)",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Result"}
                                }
                            },
                        },
                        "200": {
                            "description": "All were duplicates of earlier submissions",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Result"}
                                }
                            },
                        },
                        "400": {"description": "Unreadable body", "content": problem},
                        "401": {
                            "description": "Missing, unknown or revoked credential",
                            "content": problem,
                        },
                        "403": {
                            "description": "Credential lacks the intake scope",
                            "content": problem,
                        },
                        "405": {"description": "Method not allowed", "content": problem},
                        "422": {
                            "description": "Invalid reports; nothing stored",
                            "content": problem,
                        },
                    },
                }
            },
            "/reports/{reference}/media": {
                "post": {
                    "operationId": "uploadReportMedia",
                    "summary": "Attach the file behind a hash-only item (scope: intake; only where the hotline enables media)",
                    "parameters": [
                        {
                            "name": "reference",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "Stored encrypted"},
                        "400": {"description": "No file sent", "content": problem},
                        "401": {
                            "description": "Missing, unknown or revoked credential",
                            "content": problem,
                        },
                        "403": {
                            "description": "Scope missing, or media uploads are off",
                            "content": problem,
                        },
                        "404": {"description": "Not one of your reports", "content": problem},
                        "405": {"description": "Method not allowed", "content": problem},
                        "422": {
                            "description": "Not the file the hashes describe, or not acceptable media",
                            "content": problem,
                        },
                    },
                }
            },
            "/reports/{reference}": {
                "get": {
                    "operationId": "reportStatus",
                    "summary": "Status of a report you submitted (scope: intake)",
                    "parameters": [
                        {
                            "name": "reference",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Status",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "reference": {"type": "string"},
                                            "external_id": {"type": "string"},
                                            "status": {
                                                "type": "string",
                                                "enum": [
                                                    "received",
                                                    "assessed",
                                                    "action_taken",
                                                    "closed",
                                                ],
                                            },
                                            "received_at": {
                                                "type": "string",
                                                "format": "date-time",
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "401": {
                            "description": "Missing, unknown or revoked credential",
                            "content": problem,
                        },
                        "403": {
                            "description": "Credential lacks the intake scope",
                            "content": problem,
                        },
                        "404": {"description": "Not one of your reports", "content": problem},
                        "405": {"description": "Method not allowed", "content": problem},
                    },
                }
            },
        },
    }
