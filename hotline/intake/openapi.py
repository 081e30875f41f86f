"""The OpenAPI 3.1 document for the machine-client API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hotline.intake.schema import (
    BATCH_SCHEMA,
    IDEMPOTENCY_KEY_SCHEMA,
    REFERENCE_SCHEMA,
    REPORT_SCHEMA,
)

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


def document() -> dict[str, Any]:
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
            "schemas": {
                "Problem": PROBLEM,
                "Batch": BATCH_SCHEMA,
                "Report": REPORT_SCHEMA,
                "Result": result_schema,
            },
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
                            "schema": IDEMPOTENCY_KEY_SCHEMA,
                            "description": "Send the same key when you retry; you get the first answer again.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}
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
                        "409": {
                            "description": "A concurrent request with the same external ids "
                            "kept losing the race, or the database ended the transaction to "
                            "break a deadlock with another; nothing stored; send again",
                            "content": problem,
                        },
                        "413": {"description": "Body too large", "content": problem},
                        "422": {
                            "description": "Invalid reports or Idempotency-Key; nothing stored",
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
                            "schema": REFERENCE_SCHEMA,
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
                        "413": {"description": "Body too large", "content": problem},
                        "422": {
                            "description": "Not a report reference, not the file the hashes describe, or not acceptable media",
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
                            "schema": REFERENCE_SCHEMA,
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
                        "422": {"description": "Not a report reference", "content": problem},
                    },
                }
            },
        },
    }
