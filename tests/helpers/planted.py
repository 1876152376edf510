"""A cassette with planted secrets of every kind in every place a secret can hide (synthetic values)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# Synthetic values in each real format (none of them is a live credential).
AWS_KEY = "AKIAQ3EGRTY7UJVK2L5M"
GITHUB = "ghp_R8kQz2LmV7xWc4Tn9PbJ5sYh3GdA6fKe1Uo0"
SLACK = "xoxb-263594206564-2343594206574-FGqddMF8t9cdLu1hQkT3wnZs"
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
JWT = f"{_b64url({'alg': 'HS256', 'typ': 'JWT'})}.{_b64url({'sub': '1234567890', 'name': 'Jane'})}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
GOOGLE = "AIzaSyD9k2Lm7Qw4Rt8Yp1Zx6Cv3Bn5Mh0Jg2Fd"
BEARER = "q8Xf2Lr9Vb4Nz7Kc1Wm5Ts3Hy6Pd0Gj8Ae2Qu"
API_KEY = "7f3c9a1e5b2d8f6a4c0e9b7d3a1f5c8e"
SESSION = "s%3AJk2mQ9xLr7Vb4Nw1Zc8Tf5Hp3Dy6Ga0E"
QUERY_KEY = "Zq7Lm2Xr9Vk4Nb1Wc8Tf5Hs3Pd6Gy0Aj"
PASSWORD = "correct-horse-battery-staple-42"
CLIENT_SECRET = "cs_9LmQ2xV7rB4nZ1wK8tF5hP3dY6gA0eJ"
SESSION_TOKEN = "FwoGZXIvYXdzEDgaDEa9xBmf1ESqKScSKAYDyyAkOxPlUZ61olEPeLBiFxf3AbYKsmPRPXo"
BASIC_PW = "s3cr3tPassw0rd"
ACCESS_TOKEN = "at_8Hk2Lq9Xm4Vr7Nb1Zc5Tw3Fp6Dy0Gs"
REFRESH_TOKEN = "rt_3Jd7Qm1Xk9Lv5Nb2Wc8Tz4Fh6Py0Gr"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)
LOCATION_TOKEN = "lt_6Vb2Xq8Lm3Zr9Nk1Wc7Tf4Hs5Pd0Gy"
GZIP_TOKEN = "gz_5Rm8Xq2Lk7Vb1Nz9Wc4Tf3Hs6Pd0Gy"
MULTIPART_SECRET = "mp_2Kd8Xq5Lm1Vb7Nz3Wc9Tf4Hs6Pd0Gy"

SECRETS = [AWS_KEY, GITHUB, SLACK, STRIPE, JWT, GOOGLE, BEARER, API_KEY, SESSION, QUERY_KEY, PASSWORD,
           CLIENT_SECRET, SESSION_TOKEN, BASIC_PW, ACCESS_TOKEN, REFRESH_TOKEN, PRIVATE_KEY, LOCATION_TOKEN,
           GZIP_TOKEN, MULTIPART_SECRET]


def raw_interaction(method: str, uri: str, *, req_headers: dict[str, list[str]] | None = None, req_body: Any = None,
                 status: int = 200, headers: dict[str, list[str]] | None = None, body: str | bytes = "") -> dict[str, Any]:
    return {
        "request": {"method": method, "uri": uri, "body": req_body, "headers": req_headers or {}},
        "response": {"status": {"code": status, "message": "OK"}, "headers": headers or {}, "body": {"string": body}},
    }


def planted_document() -> dict[str, Any]:
    """One cassette with at least ten kinds of secret in every place a secret can hide."""
    json_ct = {"Content-Type": ["application/json"]}
    return {
        "interactions": [
            # 0: request headers, query string, basic-auth URL
            raw_interaction(
                "GET", f"https://alice:{BASIC_PW}@api.test/v1/users?api_key={QUERY_KEY}&page=2",
                req_headers={"Authorization": [f"Bearer {BEARER}"], "X-Api-Key": [API_KEY],
                             "Cookie": [f"theme=dark; sessionid={SESSION}"], "X-Trace": [f"trace {GITHUB}"]},
                headers=json_ct, body='{"users": []}',
            ),
            # 1: JSON request body and JSON response body
            raw_interaction(
                "POST", "https://api.test/v1/login",
                req_headers={"Content-Type": ["application/json"]},
                req_body=json.dumps({"username": "jane", "password": PASSWORD,
                                     "app": {"client_secret": CLIENT_SECRET, "sessionToken": SESSION_TOKEN}}),
                headers={**json_ct, "Set-Cookie": [f"session={SESSION}; Path=/; HttpOnly"]},
                body=json.dumps({"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN,
                                 "echo": {"headers": {"Authorization": f"Bearer {BEARER}"}},
                                 "profile": {"note": f"stripe {STRIPE}"}, "id_token": JWT}),
            ),
            # 2: form request body, response headers with a URL, text response body
            raw_interaction(
                "POST", "https://api.test/v1/upload",
                req_headers={"Content-Type": ["application/x-www-form-urlencoded"]},
                req_body=f"user=jane&token={SLACK}&aws={AWS_KEY}",
                status=302,
                headers={"Location": [f"https://cdn.test/file?token={LOCATION_TOKEN}&size=2"],
                         "Content-Type": ["text/html"]},
                body=f"<html><pre>{PRIVATE_KEY}</pre><p>maps key {GOOGLE}</p></html>",
            ),
            # 3: gzip-compressed JSON response body
            raw_interaction(
                "GET", "https://api.test/v1/keys",
                headers={**json_ct, "Content-Encoding": ["gzip"]},
                body=gzip.compress(json.dumps({"keys": [{"name": "ci", "secret": GZIP_TOKEN}]}).encode()),
            ),
            # 4: nothing secret: must stay byte-identical after --fix
            raw_interaction("GET", "https://api.test/v1/health", headers=json_ct, body='{"ok": true}'),
            # 5: multipart upload: text fields next to a binary file part
            raw_interaction(
                "POST", "https://api.test/v1/avatar",
                req_headers={"Content-Type": ["multipart/form-data; boundary=XyZ"]},
                req_body=(b"--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n"
                          + MULTIPART_SECRET.encode() + b"\r\n--XyZ\r\nContent-Disposition: form-data; "
                          b"name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\xff\x10"
                          b"\r\n--XyZ--\r\n"),
                headers=json_ct, body='{"ok": true}',
            ),
        ],
        "version": 1,
    }
