"""The OpenAPI document: the core's own models, Bearer security, every error documented."""

from __future__ import annotations

from fastapi.testclient import TestClient

from exante_tui.core.contract import SendRequest, SendResponse


def test_openapi_describes_the_send_endpoint(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/email/send"]["post"]
    schemas = document["components"]["schemas"]

    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SendRequest"
    }
    assert set(schemas["SendRequest"]["properties"]) == set(SendRequest.model_fields)
    assert schemas["SendRequest"]["properties"]["attachments"]["anyOf"][0]["items"] == {
        "$ref": "#/components/schemas/AttachmentIn"
    }
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/SendResponse"}
    assert set(schemas["SendResponse"]["properties"]) == set(SendResponse.model_fields)

    errors = {code: r for code, r in operation["responses"].items() if code != "200"}
    assert set(errors) == {"401", "403", "404", "408", "409", "413", "422", "500", "502"}
    for response in errors.values():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is never used

    assert operation["security"] == [{"HTTPBearer": []}]
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <token>`; create one with "
        "`exante-tui tokens create`.",
    }


def test_unknown_paths_do_not_reach_the_core(client: TestClient) -> None:
    assert client.get("/api/email/send").status_code == 405
    assert client.post("/api/email/other").status_code == 404
