"""The API as a document: an OpenAPI 3.1 description inferred from the cassettes (docs/openapi.md)."""
