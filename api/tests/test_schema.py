"""The OpenAPI schema: Vietnamese by default, English on request, every operation's errors as problem details, and the
token's security scheme."""
import yaml


def _schema(client, **query):
    response = client.get("/api/schema/", query)
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_speaks_vietnamese_then_english(client, db):
    vi, en = _schema(client), _schema(client, lang="en")
    assert vi["paths"]["/api/v1/plans/"]["get"]["summary"] == "Kế hoạch"
    assert en["paths"]["/api/v1/plans/"]["get"]["summary"] == "Plans"
    assert "Chu trình báo cáo" in vi["info"]["description"]


def test_every_operation_documents_its_problems_and_the_token(client, db):
    schema = _schema(client)
    token = schema["components"]["securitySchemes"]["token"]
    assert (token["type"], token["scheme"]) == ("http", "bearer") and "p119_" in token["description"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("401", "403", "404", "429"):
                content = operation["responses"][code]["content"]
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}, (
                    path, method, code)
            if method in ("patch", "post"):
                assert {"409", "412", "428"} <= set(operation["responses"]), (path, method)
                assert any(p["name"] == "If-Match" and p["required"] for p in operation["parameters"]), (path, method)
