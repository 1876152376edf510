"""The "live" Acme Shop API: what the sample cassettes' endpoints answer today.

A pure function from a request to a response, so it can be tested without a socket. Compared
with ``sample_cassettes/`` it drifts the way real APIs do:

- ``GET /v1/users/42``: ``address.zip`` is gone (renamed ``postal_code``) and ``phone`` is null;
- ``GET /v1/orders/ord_1001``: ``line_items[*].unit_price.amount`` is a number, not a string;
- ``GET /v1/products?category=mugs``: products gained a ``stock`` object;
- ``GET /v1/products/TEE-007``: the product was discontinued, ``410 Gone``;

and everything else only changes *values* (ids, names, timestamps, totals, array lengths, an
empty array that now has elements, integers that became floats), which is not drift.
:data:`EXPECTED_FINDINGS` lists what a refresh must report.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

HOST = "api.acme-shop.example"
BASE = f"https://{HOST}"

# (cassette path under sample_cassettes/, finding kind, body path or None) a refresh must report.
EXPECTED_FINDINGS: tuple[tuple[str, str, str | None], ...] = (
    ("users/get_user.yaml", "field_removed", "$.address.zip"),
    ("users/get_user.yaml", "field_added", "$.address.postal_code"),
    ("users/get_user.yaml", "nullability_changed", "$.phone"),
    ("orders/get_order.yaml", "type_changed", "$.line_items[*].unit_price.amount"),
    ("catalog/list_products.json", "field_added", "$.data[*].stock"),
    ("catalog/get_product.json", "status_changed", None),
)
# Cassettes whose live answers differ only in values: a refresh must find them ok.
EXPECTED_OK = (
    "users/list_users.yaml",
    "users/get_user_not_found.yaml",
    "orders/list_shipped_orders.yaml",
    "reports/export_orders_csv.yaml",
    "status/status_page.yaml",
)
# Cassettes with only POSTs: skipped by a refresh with the default methods.
EXPECTED_SKIPPED = ("auth/client_credentials_token.yaml",)


@dataclass
class DemoResponse:
    """A response of the demo API (body already encoded as sent)."""

    status: int
    reason: str
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[str, Mapping[str, list[str]], bytes], DemoResponse]


def _json(status: int, reason: str, data: Any, content_type: str = "application/json") -> DemoResponse:
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return DemoResponse(status, reason, content_type, body)


def _problem(status: int, reason: str, detail: str, instance: str, slug: str) -> DemoResponse:
    return _json(status, reason, {
        "type": f"{BASE}/problems/{slug}", "title": reason, "status": status,
        "detail": detail, "instance": instance,
    }, "application/problem+json")


def _user(uid: int, name: str, city: str, created: str) -> dict[str, Any]:
    email = name.split()[0].lower() + "@example.org"
    return {"id": uid, "name": name, "email": email, "city": city, "active": True, "created_at": created}


_USERS = [
    _user(41, "Ada Lovelace", "London", "2025-03-02T09:14:00Z"),
    _user(42, "Grace Hopper", "Arlington", "2025-04-11T16:40:12Z"),
    _user(43, "Alan Turing", "Wilmslow", "2025-06-23T08:00:00Z"),
    _user(44, "Katherine Johnson", "Hampton", "2026-11-20T07:30:41Z"),
]


def _list_users(query: Mapping[str, list[str]]) -> DemoResponse:
    page = int(query.get("page", ["1"])[0])
    per_page = int(query.get("per_page", ["2"])[0])
    chunk = _USERS[(page - 1) * per_page: page * per_page]
    more = page * per_page < len(_USERS)
    return _json(200, "OK", {
        "data": chunk,
        "meta": {"page": page, "per_page": per_page, "total": len(_USERS), "request_id": f"req_live{page:04d}"},
        "links": {
            "self": f"{BASE}/v1/users?page={page}&per_page={per_page}",
            "next": f"{BASE}/v1/users?page={page + 1}&per_page={per_page}" if more else None,
        },
    })


def _get_user(uid: str) -> DemoResponse:
    if uid != "42":
        return _problem(404, "Not Found", f"No user with id {uid}.", f"/v1/users/{uid}", "not-found")
    return _json(200, "OK", {
        "id": 42, "name": "Grace B. Hopper", "email": "grace.hopper@example.org",
        "phone": None,  # drift: was a string (nullability_changed)
        "active": True, "roles": ["customer", "beta"],
        "tags": ["vip"],  # was an empty array: not drift
        # drift: zip is gone, postal_code is new
        "address": {"street": "1 Navy Way", "city": "Arlington", "postal_code": "22202", "country": "US"},
        "loyalty_points": 1312.5,  # integer -> float: not drift
        "created_at": "2025-04-11T16:40:12Z", "updated_at": "2026-11-23T22:10:03Z",
    })


def _line_item(sku: str, name: str, quantity: int, amount: float) -> dict[str, Any]:
    # drift: amount is a number now (it was the string "12.50")
    return {"sku": sku, "name": name, "quantity": quantity, "unit_price": {"amount": amount, "currency": "EUR"}}


def _get_order(order_id: str) -> DemoResponse:
    if order_id == "ord_1001":
        return _json(200, "OK", {
            "id": "ord_1001", "status": "delivered", "customer_id": 42, "placed_at": "2026-10-28T14:03:11Z",
            "currency": "EUR",
            "line_items": [
                _line_item("MUG-001", "Acme mug, 350 ml", 2, 12.5),
                _line_item("TEE-014", "Acme t-shirt, M", 1, 24.0),
                _line_item("CAP-003", "Acme cap", 1, 9.9),
            ],
            "shipping": {"carrier": "DHL", "tracking_number": "JD014600006281"},
            "total": {"amount": "58.90", "currency": "EUR"},
        })
    if order_id == "ord_1002":
        return _json(200, "OK", {
            "id": "ord_1002", "status": "paid", "customer_id": 42, "placed_at": "2026-11-23T18:01:09Z",
            "currency": "EUR",
            "line_items": [{"sku": "MUG-001", "name": "Acme mug, 350 ml", "quantity": 3,
                            "unit_price": {"amount": "12.50", "currency": "EUR"}}],
            "total": {"amount": "37.50", "currency": "EUR"},
        })
    return _problem(404, "Not Found", f"No order with id {order_id}.", f"/v1/orders/{order_id}", "not-found")


def _list_orders(query: Mapping[str, list[str]]) -> DemoResponse:
    status = query.get("status", ["pending"])[0]
    orders = [
        {"id": f"ord_{1100 + i}", "status": status, "customer_id": 41 + i % 4,
         "placed_at": f"2026-11-{12 + i:02d}T10:{i * 7:02d}:00Z", "item_count": 1 + i % 3,
         "total": {"amount": f"{24 + i * 5}.50", "currency": "EUR"}}
        for i in range(7)
    ]
    return _json(200, "OK", {"data": orders,
                             "meta": {"page": 1, "per_page": 50, "total": len(orders), "request_id": "req_liveOrd"}})


def _create_order(body: bytes) -> DemoResponse:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return _problem(400, "Bad Request", "The body is not JSON.", "/v1/orders", "bad-request")
    items = payload.get("line_items", []) if isinstance(payload, dict) else []
    response = _json(201, "Created", {
        "id": "ord_1203", "status": "pending", "customer_id": payload.get("customer_id") if isinstance(payload, dict) else None,
        "placed_at": "2026-11-24T03:00:00Z", "currency": "EUR",
        "line_items": [{"sku": i.get("sku"), "name": "Acme mug, 350 ml", "quantity": i.get("quantity", 1),
                        "unit_price": {"amount": "12.50", "currency": "EUR"}} for i in items if isinstance(i, dict)],
        "total": {"amount": "12.50", "currency": "EUR"},
    })
    response.headers["Location"] = f"{BASE}/v1/orders/ord_1203"
    return response


def _list_products() -> DemoResponse:
    def product(sku: str, name: str, price: float, tags: list[str], on_hand: int) -> dict[str, Any]:
        # drift: stock is new (field_added, info)
        return {"sku": sku, "name": name, "category": "mugs", "price": price, "tags": tags,
                "discontinued": False, "stock": {"on_hand": on_hand, "warehouse": "BER-1"}}

    return _json(200, "OK", {
        "data": [product("MUG-001", "Acme mug, 350 ml", 12.9, ["ceramic"], 140),
                 product("MUG-002", "Acme travel mug", 19.0, ["steel", "lid"], 12),
                 product("MUG-007", "Acme espresso cup", 7.5, [], 300)],
        "meta": {"page": 1, "per_page": 20, "total": 3, "request_id": "req_liveMugs"},
    })


def _get_product(sku: str) -> DemoResponse:
    # drift: the recorded 200 is now 410 Gone (status_changed, breaking)
    return _problem(410, "Gone", f"Product {sku} was discontinued on 2026-11-01.", f"/v1/products/{sku}",
                    "discontinued")


def _orders_csv() -> DemoResponse:
    rows = ["order_id,placed_at,customer_id,total,currency",
            "ord_1100,2026-11-12T10:00:00Z,41,24.50,EUR",
            "ord_1101,2026-11-13T10:07:00Z,42,29.50,EUR"]
    return DemoResponse(200, "OK", "text/csv; charset=utf-8", ("\r\n".join(rows) + "\r\n").encode(),
                        {"Content-Disposition": 'attachment; filename="orders.csv"'})


def _status_page() -> DemoResponse:
    html = ("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Acme Shop API status</title>"
            "</head>\n<body>\n<h1>Degraded performance</h1>\n<ul>\n<li>Orders: operational</li>\n"
            "<li>Payments: degraded</li>\n<li>Search: operational</li>\n</ul>\n</body>\n</html>\n")
    return DemoResponse(200, "OK", "text/html; charset=utf-8", html.encode())


def _token() -> DemoResponse:
    response = _json(200, "OK", {"access_token": "demo-token-not-a-secret", "token_type": "Bearer",
                                 "expires_in": 3600, "scope": "orders:read users:read"})
    response.headers["Cache-Control"] = "no-store"
    return response


def respond(method: str, path: str, query_string: str = "", body: bytes = b"") -> DemoResponse:
    """The live answer of the Acme Shop API to one request (routing by method and path)."""
    query = parse_qs(query_string)
    method = method.upper()
    parts = [p for p in path.split("/") if p]
    if method in ("GET", "HEAD"):
        if parts == ["v1", "users"]:
            return _list_users(query)
        if len(parts) == 3 and parts[:2] == ["v1", "users"]:
            return _get_user(parts[2])
        if parts == ["v1", "orders"]:
            return _list_orders(query)
        if len(parts) == 3 and parts[:2] == ["v1", "orders"]:
            return _get_order(parts[2])
        if parts == ["v1", "products"]:
            return _list_products()
        if len(parts) == 3 and parts[:2] == ["v1", "products"]:
            return _get_product(parts[2])
        if parts == ["v1", "reports", "orders.csv"]:
            return _orders_csv()
        if parts == ["status"]:
            return _status_page()
    if method == "POST":
        if parts == ["v1", "orders"]:
            return _create_order(body)
        if parts == ["oauth", "token"]:
            return _token()
    return _problem(404, "Not Found", f"No route for {method} {path}.", path, "not-found")


def finish(response: DemoResponse, accept_encoding: str | None) -> tuple[int, str, dict[str, str], bytes]:
    """Status, reason, headers and body bytes as sent: gzip when the client accepts it."""
    body = response.body
    headers = {"Content-Type": response.content_type, "Server": "acme-edge/2.5",
               "Date": formatdate(usegmt=True), "X-Request-Id": "req_live",
               "Cache-Control": "private, max-age=0", **response.headers}
    if "gzip" in (accept_encoding or "").lower() and len(body) > 512:
        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
    headers["Content-Length"] = str(len(body))
    return response.status, response.reason, headers, body
