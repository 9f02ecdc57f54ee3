"""A small client of sence-gateway's REST API, with Python's standard library only.

Usage as a script (Python 3.9 or later):

    SENCE_GATEWAY_URL=http://localhost:3000 SENCE_GATEWAY_KEY=sk_test_... \
        python3 sence_gateway_client.py 12.345.678-5 -1 -1 https://lms.example.cl/sence/back

creates a login intent (test environment codes -1), prints its startUrl,
reads it back and prints the newest sessions. Import it to use the
functions from an LMS.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid


# The 409 of a retry that raced the first request with the same Idempotency-Key.
IN_FLIGHT = "urn:sence-gateway:problem:idempotency-key-in-use"


class ProblemError(Exception):
    """An RFC 9457 problem returned by the gateway: branch on `type`, show `detail`."""

    def __init__(self, status, problem):
        self.status = status
        self.type = problem.get("type", "")
        self.detail = problem.get("detail", "")
        # One entry per broken rule on a 422: {"field", "senceCode", "detail"}.
        self.errors = problem.get("errors", [])
        super().__init__(f"{status} {self.type}: {self.detail}")


class SenceGateway:
    def __init__(self, base_url, api_key, timeout_seconds=15, max_attempts=4):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max_attempts

    def create_session(self, intent, idempotency_key=None):
        """Create a login intent; send the student's browser to the result's startUrl."""
        key = idempotency_key or str(uuid.uuid4())
        return self._request("POST", "/v1/sessions", body=intent, idempotency_key=key)

    def close_session(self, session_id, return_url=None, idempotency_key=None):
        """Create a logout intent; send the student's browser to the result's closeUrl."""
        body = {} if return_url is None else {"returnUrl": return_url}
        key = idempotency_key or str(uuid.uuid4())
        path = f"/v1/sessions/{urllib.parse.quote(session_id)}/close"
        return self._request("POST", path, body=body, idempotency_key=key)

    def get_session(self, session_id):
        return self._request("GET", f"/v1/sessions/{urllib.parse.quote(session_id)}")

    def iter_sessions(self, **filters):
        """Yield every session that matches the filters (runAlumno, codigoCurso, status, from, to), newest first."""
        query = {name: value for name, value in filters.items() if value is not None}
        while True:
            page = self._request("GET", "/v1/sessions?" + urllib.parse.urlencode(query))
            yield from page["data"]
            if page["nextCursor"] is None:
                return
            query["cursor"] = page["nextCursor"]

    def attendance_csv(self, codigo_curso, delimiter="comma"):
        """Return the attendance of a course as CSV bytes (UTF-8 with a byte order mark)."""
        query = urllib.parse.urlencode({"codigoCurso": codigo_curso, "delimiter": delimiter})
        return self._request("GET", "/v1/attendance?" + query, accept="text/csv")

    def _request(self, method, path, body=None, idempotency_key=None, accept="application/json"):
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            # A Structured Field string, as the IETF draft defines the header.
            headers["Idempotency-Key"] = f'"{idempotency_key}"'

        for attempt in range(1, self.max_attempts + 1):
            request = urllib.request.Request(self.base_url + path, data, headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    payload = response.read()
                    if accept == "application/json":
                        return json.loads(payload)
                    return payload
            except urllib.error.HTTPError as error:
                payload = error.read()
                try:
                    problem = json.loads(payload)
                except ValueError:
                    problem = {"detail": payload.decode("utf-8", "replace")}
                # Retrying is safe for reads, and for writes that carry an Idempotency-Key.
                retryable = error.code in (429, 503) or problem.get("type") == IN_FLIGHT
                safe = method == "GET" or idempotency_key is not None
                if retryable and safe and attempt < self.max_attempts:
                    time.sleep(float(error.headers.get("Retry-After") or attempt))
                    continue
                raise ProblemError(error.code, problem) from None
        raise AssertionError("unreachable")


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    gateway = SenceGateway(os.environ["SENCE_GATEWAY_URL"], os.environ["SENCE_GATEWAY_KEY"])
    intent = {
        "runAlumno": argv[1],
        "codSence": argv[2],
        "codigoCurso": argv[3],
        "lineaCapacitacion": 3,
    }
    if len(argv) == 5:
        intent["returnUrl"] = argv[4]
    try:
        created = gateway.create_session(intent)
    except ProblemError as problem:
        print(f"rejected: {problem}", file=sys.stderr)
        for error in problem.errors:
            print(f"  {error['field']} (SENCE {error['senceCode']}): {error['detail']}", file=sys.stderr)
        return 1
    print(f"session {created['id']} is {created['status']}")
    print(f"send the browser to {created['startUrl']}")
    print(f"read back: {gateway.get_session(created['id'])['status']}")
    for number, session in enumerate(gateway.iter_sessions(status="pending")):
        if number == 5:
            break
        print(f"  {session['createdAt']}  {session['id']}  {session['runAlumno']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
