"""A small keep-alive JSON client for load from many threads (one instance per thread): the
concurrency and fault tests and the benchmark. A dropped connection (a killed server) is status 0."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

from tests.helpers import KHAI_SINH, applicant

API = "/api/v1"
NO_RESPONSE = 0


class JsonClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60):
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn: http.client.HTTPConnection | None = None
        self.latencies: list[float] = []

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):  # a keep-alive connection the server closed is retried once on a new one
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt or method != "GET":
                    return NO_RESPONSE, None  # a write may or may not have happened: the caller decides
                continue
            self.latencies.append(time.perf_counter() - started)
            try:
                return response.status, json.loads(data) if data else None
            except ValueError:
                return response.status, None
        return NO_RESPONSE, None

    def get(self, path: str) -> tuple[int, dict | None]:
        return self.call("GET", API + path)

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        return self.call("POST", API + path, body if body is not None else {})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def reception_body(procedure_code: str = KHAI_SINH, name: str = "Trần Thị Bình") -> dict:
    return {"procedure_code": procedure_code, "applicant": applicant(name), "channel": "desk",
            "documents": ["Tờ khai", "Giấy chứng sinh"], "data": {}}
