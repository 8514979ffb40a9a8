#!/usr/bin/env python3
"""Live terminal view of a running projector: per-projection state and lag, documents changing.

Refreshes every ``--interval`` seconds until ``--duration`` passes or Ctrl-C:

* the event table: how many events, how many per second arrive;
* per projection: state, position and last error from ``projector status --json`` (or, when
  that command is not available, the rows of the checkpoints table), lag in events and seconds
  and events/s from the running instance's ``/metrics``;
* a few documents from every OpenSearch index and DynamoDB table the demo's projections write:
  the busiest accounts and customers (the load generator's ``--hot`` file) where a view has
  them, otherwise the first few; a document that changed since the last refresh is marked.

With ``--verify FILE`` (the load generator's ``--expect`` file) it instead waits, up to
``--timeout`` seconds, until the OpenSearch views agree with what was written: every open
account's balance, currency, customer and IBAN, every closed account gone, every customer's
current name, email and number of open accounts; then
prints one frame and the verdict, and exits 0 when they agree, 1 otherwise.

Only the standard library, ``psql`` and botocore (which the test servers' moto brings) are
needed. Everything it reads is best effort: a source that is not there yet shows as such.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

RESERVED_FIELDS = ("_projector",)
METRIC_LINE = re.compile(r'^(projector_[a-z_]+)\{([^}]*)\}\s+([-+0-9.eEinfNa]+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def run(command: list[str], timeout: float = 5) -> str | None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def http_json(method: str, url: str, body: object | None = None, timeout: float = 3) -> object | None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except (urllib.error.URLError, OSError, ValueError):
        return None


def http_text(url: str, timeout: float = 3) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


def pick(value: object, *paths: str) -> object | None:
    """The first of the dotted `paths` present in `value`."""
    for path in paths:
        current = value
        for part in path.split("."):
            if not isinstance(current, dict) or part not in current:
                current = None
                break
            current = current[part]
        if current is not None:
            return current
    return None


def summary(document: dict, key: str) -> dict:
    """The document as shown: without projector's metadata and an `id` equal to the key,
    lists of objects abbreviated to their length."""
    shown = {}
    for name, value in document.items():
        if name in RESERVED_FIELDS or (name == "id" and value == key):
            continue
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            value = f"[{len(value)} × {{…}}]"
        shown[name] = value
    return shown


def compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


class Sources:
    """Reads the database, the running instance and the view stores."""

    def __init__(self, arguments: argparse.Namespace):
        self.arguments = arguments
        self.hot: dict = {}
        self.dynamodb = None
        self._dynamodb_failed = False

    # PostgreSQL -------------------------------------------------------------------------------

    def sql(self, query: str) -> str | None:
        output = run(["psql", self.arguments.database_url, "-X", "-q", "-A", "-t", "-c", query])
        return output.strip() if output is not None else None

    def event_count(self) -> int | None:
        text = self.sql(f"SELECT count(*) FROM {self.arguments.table}")
        return int(text) if text and text.isdigit() else None

    # Projection status ------------------------------------------------------------------------

    def status(self) -> list[dict]:
        """Rows of {name, state, position, lag_events, lag_seconds, error} from `projector status --json`."""
        arguments = self.arguments
        output = run([arguments.projector, "status", "--json", "--config", arguments.config], timeout=10)
        if output is not None:
            try:
                parsed = json.loads(output)
            except ValueError:  # JSON lines: one object per projection
                try:
                    parsed = [json.loads(line) for line in output.splitlines() if line.strip()]
                except ValueError:
                    parsed = None
            rows = self._status_rows(parsed)
            if rows:
                return rows
        return self._checkpoint_rows()

    @staticmethod
    def _status_rows(parsed: object) -> list[dict]:
        if isinstance(parsed, dict) and isinstance(parsed.get("projections"), (list, dict)):
            parsed = parsed["projections"]
        if isinstance(parsed, dict):
            parsed = [{"name": name, **(value if isinstance(value, dict) else {})} for name, value in parsed.items()]
        if not isinstance(parsed, list):
            return []
        rows = []
        for item in parsed:
            if not isinstance(item, dict):
                continue
            rows.append({
                "name": pick(item, "name", "projection"),
                "state": pick(item, "state", "status"),
                "position": pick(item, "position", "checkpoint"),
                "lag_events": pick(item, "lag_events", "lag.events", "lagEvents"),
                "lag_seconds": pick(item, "lag_seconds", "lag.seconds", "lagSeconds"),
                "error": pick(item, "last_error", "lastError", "error"),
            })
        return [row for row in rows if row["name"]]

    def _checkpoint_rows(self) -> list[dict]:
        schema, table = self.arguments.schema, self.arguments.table
        # Lag here counts every event past the checkpoint, whichever service wrote it.
        text = self.sql(
            "SELECT coalesce(json_agg(json_build_object('projection', c.projection, 'state', c.state, "
            "'tx_id', c.tx_id::text, 'position', c.position, 'last_error', c.last_error, 'lag_events', "
            f"(SELECT count(*) FROM {table} e WHERE (e.tx_id, e.position) > (c.tx_id, c.position)))), '[]') "
            f"FROM {schema}.checkpoints c")
        if text is None:
            text = self.sql(f"SELECT coalesce(json_agg(c), '[]') FROM {schema}.checkpoints c")
        try:
            rows = json.loads(text) if text else []
        except ValueError:
            rows = []
        result = []
        for row in rows if isinstance(rows, list) else []:
            tx_id, position = pick(row, "tx_id"), pick(row, "position")
            result.append({
                "name": pick(row, "projection", "name"),
                "state": pick(row, "state", "status") or "checkpoint",
                "position": f"{tx_id}:{position}" if tx_id is not None else position,
                "lag_events": pick(row, "lag_events"),
                "error": pick(row, "last_error", "error"),
            })
        return result

    def metrics(self) -> dict[str, dict[str, float]]:
        """{projection: {metric: value}} from the running instance's /metrics, plus '' for unlabelled ones."""
        text = http_text(self.arguments.admin_url.rstrip("/") + "/metrics") if self.arguments.admin_url else None
        result: dict[str, dict[str, float]] = {}
        for line in (text or "").splitlines():
            if line.startswith("#"):
                continue
            match = METRIC_LINE.match(line.strip())
            name, labels, value = (match.groups() if match else (line.split(" ")[0], "", line.split(" ")[-1]))
            if not name.startswith("projector_"):
                continue
            label_map = dict(LABEL.findall(labels))
            if "le" in label_map or "state" in label_map:
                continue
            try:
                number = float(value)
            except ValueError:
                continue
            result.setdefault(label_map.get("projection", ""), {})[name] = number
        return result

    # View stores ------------------------------------------------------------------------------

    def hot_keys(self) -> list[str]:
        if not self.hot and self.arguments.hot and os.path.exists(self.arguments.hot):
            try:
                with open(self.arguments.hot, encoding="utf-8") as file:
                    self.hot = json.load(file)
            except (OSError, ValueError):
                self.hot = {}
        return list(self.hot.get("accounts", [])) + list(self.hot.get("customers", []))

    def opensearch_views(self, limit: int) -> list[tuple[str, int | None, list[tuple[str, dict]]]]:
        base = self.arguments.opensearch_url
        if not base:
            return []
        aliases = http_json("GET", f"{base}/_alias")
        if not isinstance(aliases, dict):
            return []
        names = sorted({alias for entry in aliases.values() if isinstance(entry, dict)
                        for alias in (entry.get("aliases") or {})} or set(aliases))
        views = []
        hot = self.hot_keys()
        for name in names:
            count = pick(http_json("GET", f"{base}/{name}/_count"), "count")
            documents: list[tuple[str, dict]] = []
            if hot:
                found = http_json("POST", f"{base}/{name}/_mget", {"ids": hot})
                for doc in pick(found, "docs") or []:
                    if isinstance(doc, dict) and doc.get("found") and isinstance(doc.get("_source"), dict):
                        documents.append((str(doc.get("_id")), doc["_source"]))
            if not documents:
                found = http_json("POST", f"{base}/{name}/_search", {"size": limit})
                for hit in pick(found, "hits.hits") or []:
                    if isinstance(hit, dict) and isinstance(hit.get("_source"), dict):
                        documents.append((str(hit.get("_id")), hit["_source"]))
            views.append((name, count if isinstance(count, int) else None, documents[:limit]))
        return views

    def dynamodb_views(self, limit: int) -> list[tuple[str, int | None, list[tuple[str, dict]]]]:
        client = self._dynamodb_client()
        if client is None:
            return []
        try:
            tables = client.list_tables().get("TableNames", [])
        except Exception:  # noqa: BLE001 - a server that is not up yet shows as no tables
            return []
        views = []
        hot = self.hot_keys()
        for table in tables:
            try:
                page = client.scan(TableName=table, Limit=500)
            except Exception:  # noqa: BLE001
                continue
            items = [self._plain(item) for item in page.get("Items", [])]
            if hot:
                mentioning = [item for item in items if any(key in compact(item) for key in hot)]
                items = mentioning or items
            items.sort(key=lambda item: compact(item), reverse=True)
            documents = [(self._item_key(item), item) for item in items[:limit]]
            count = page.get("Count") if "LastEvaluatedKey" not in page else None
            views.append((table, count, documents))
        return views

    def _dynamodb_client(self):
        if self.dynamodb is not None or self._dynamodb_failed or not self.arguments.dynamodb_endpoint:
            return self.dynamodb
        try:
            import botocore.session  # noqa: PLC0415 - optional dependency
            from botocore.config import Config  # noqa: PLC0415

            session = botocore.session.get_session()
            self.dynamodb = session.create_client(
                "dynamodb", endpoint_url=self.arguments.dynamodb_endpoint,
                region_name=os.environ.get("AWS_REGION", "eu-west-1"),
                aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
                config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=3))
        except Exception:  # noqa: BLE001 - no botocore: the view shows no DynamoDB tables
            self._dynamodb_failed = True
        return self.dynamodb

    @classmethod
    def _plain(cls, value: object) -> object:
        """DynamoDB's typed JSON ({"S": "x"}) as plain JSON."""
        if isinstance(value, dict) and len(value) == 1:
            (tag, inner), = value.items()
            if tag in ("S", "BOOL"):
                return inner
            if tag == "N":
                number = float(inner)
                return int(number) if number.is_integer() else number
            if tag == "NULL":
                return None
            if tag == "L":
                return [cls._plain(v) for v in inner]
            if tag == "M":
                return {k: cls._plain(v) for k, v in inner.items()}
            if tag in ("SS", "NS"):
                return list(inner)
        if isinstance(value, dict):
            return {k: cls._plain(v) for k, v in value.items()}
        return value

    @staticmethod
    def _item_key(item: dict) -> str:
        return str(pick(item, "id", "key", "pk") or "?")


class Screen:
    """Renders frames; marks documents that changed between frames."""

    def __init__(self, arguments: argparse.Namespace, sources: Sources):
        self.arguments = arguments
        self.sources = sources
        self.started = time.monotonic()
        self.previous_documents: dict[tuple[str, str], str] = {}
        self.previous_count: tuple[float, int] | None = None
        self.previous_processed: dict[str, tuple[float, float]] = {}
        self.tty = sys.stdout.isatty()

    def style(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.tty else text

    def frame(self) -> str:
        width = shutil.get_terminal_size((120, 40)).columns
        now = time.monotonic()
        lines = [self._header(now)]
        lines += self._events_line(now)
        lines.append("")
        lines += self._projection_table(now)
        lines.append("")
        limit = self.arguments.documents
        for kind, views in (("OpenSearch", self.sources.opensearch_views(limit)),
                            ("DynamoDB", self.sources.dynamodb_views(limit))):
            for name, count, documents in views:
                counted = f"{count} document{'' if count == 1 else 's'}" if count is not None else "documents"
                lines.append(self.style(f"{kind} {name} — {counted}", "1"))
                for key, document in documents:
                    lines.append(self._document_line(kind, name, key, document, width))
                if not documents:
                    lines.append("  (empty)")
            if not views:
                lines.append(self.style(f"{kind}: no views yet", "2"))
        lines += self._log_tail(width)
        return "\n".join(line[:width] if not self.tty else line for line in lines)

    def _header(self, now: float) -> str:
        elapsed = int(now - self.started)
        clock = datetime.datetime.now().strftime("%H:%M:%S")
        if self.arguments.verify:
            hint = "final state"
        elif self.arguments.duration:
            hint = f"stops after {self.arguments.duration:.0f}s"
        else:
            hint = "Ctrl-C stops and cleans up"
        return self.style(f"projector demo — {clock} — {elapsed // 60:02d}:{elapsed % 60:02d} — {hint}", "1;36")

    def _events_line(self, now: float) -> list[str]:
        count = self.sources.event_count()
        if count is None:
            return [f"events in {self.arguments.table}: (not readable yet)"]
        rate = ""
        if self.previous_count is not None and now > self.previous_count[0]:
            rate = f"  (+{(count - self.previous_count[1]) / (now - self.previous_count[0]):.0f}/s)"
        self.previous_count = (now, count)
        alive = ""
        if self.arguments.pid:
            alive = "   projector run: " + ("up" if _alive(self.arguments.pid) else self.style("EXITED", "1;31"))
        return [f"events in {self.arguments.table}: {count}{rate}{alive}"]

    def _projection_table(self, now: float) -> list[str]:
        rows = self.sources.status()
        metrics = self.sources.metrics()
        names = sorted({str(row["name"]) for row in rows} | {name for name in metrics if name})
        by_name = {str(row["name"]): row for row in rows}
        header = f"{'PROJECTION':<22} {'STATE':<12} {'POSITION':<20} {'LAG ev':>8} {'LAG s':>8} {'EVENTS/s':>9}  ERROR"
        lines = [self.style(header, "1")]
        for name in names:
            row = by_name.get(name, {})
            measured = metrics.get(name, {})
            lag_events = _first(row.get("lag_events"), measured.get("projector_lag_events"))
            lag_seconds = _first(row.get("lag_seconds"), measured.get("projector_lag_seconds"))
            rate = self._rate(name, now, measured.get("projector_events_total"))
            state = str(row.get("state") or ("running" if measured else "?"))
            error = str(row.get("error") or "")
            state_text = self.style(f"{state:<12}", "32" if state == "running" else "33")
            lines.append(
                f"{name:<22} {state_text} {str(row.get('position') or '-'):<20} {_number(lag_events):>8} "
                f"{_number(lag_seconds, 2):>8} {rate:>9}  {error[:60]}")
        if not names:
            lines.append(self.style("(no projection has reported yet)", "2"))
        stall = metrics.get("", {}).get("projector_watermark_stall_seconds")
        if stall:
            lines.append(self.style(f"watermark held back for {stall:.1f}s by a long transaction", "1;33"))
        return lines

    def _rate(self, name: str, now: float, processed: float | None) -> str:
        if processed is None:
            return "-"
        previous = self.previous_processed.get(name)
        self.previous_processed[name] = (now, processed)
        if previous is None or now <= previous[0]:
            return "-"
        return f"{(processed - previous[1]) / (now - previous[0]):.0f}"

    def _document_line(self, kind: str, view: str, key: str, document: dict, width: int) -> str:
        body = compact(summary(document, key))
        identity = (kind + "/" + view, key)
        changed = identity in self.previous_documents and self.previous_documents[identity] != body
        self.previous_documents[identity] = body
        marker = self.style("*", "1;33") if changed else " "
        text = f" {marker} {key[:13]:<13} {body}"
        room = width + (len(marker) - 1)
        return text if len(text) <= room else text[: room - 1] + "…"

    def _log_tail(self, width: int) -> list[str]:
        path = self.arguments.log
        if not path or not os.path.exists(path):
            return []
        try:
            with open(path, "rb") as file:
                file.seek(0, os.SEEK_END)
                file.seek(max(0, file.tell() - 4096))
                tail = file.read().decode("utf-8", "replace").splitlines()[-self.arguments.log_lines:]
        except OSError:
            return []
        return ["", self.style(f"projector log ({path}):", "2")] + [self.style(line[:width], "2") for line in tail]


class Verifier:
    """Compares the OpenSearch views with the load generator's expected state."""

    def __init__(self, arguments: argparse.Namespace):
        self.base = arguments.opensearch_url
        with open(arguments.verify, encoding="utf-8") as file:
            self.expected = json.load(file)

    def fetch(self, view: str, ids: list[str]) -> dict[str, dict]:
        documents: dict[str, dict] = {}
        for start in range(0, len(ids), 500):
            found = http_json("POST", f"{self.base}/{view}/_mget", {"ids": ids[start:start + 500]}, timeout=10)
            for doc in pick(found, "docs") or []:
                if isinstance(doc, dict) and doc.get("found") and isinstance(doc.get("_source"), dict):
                    documents[str(doc.get("_id"))] = doc["_source"]
        return documents

    # view → (section of the expected file, {document field: expected field}) for the example projections.
    CHECKS = {
        "account_balance": ("accounts", {"balance": "balance", "currency": "currency",
                                         "customer_id": "customer_id", "iban": "iban"}),
        "customer_profile": ("customers", {"name": "name", "email": "email", "account_count": "open_accounts"}),
    }

    def differences(self) -> tuple[list[str], str]:
        """Mismatches (empty when the views agree) and what was compared."""
        problems: list[str] = []
        compared = []
        for view, (section, fields) in self.CHECKS.items():
            expected: dict = self.expected.get(section, {})
            documents = self.fetch(view, list(expected))
            compared.append(f"{len(expected)} {section} ({view}: {', '.join(fields)})")
            for key, want in expected.items():
                document = documents.get(key)
                if want.get("closed"):
                    if document is not None:
                        problems.append(f"{view}/{key}: the account is closed, the document is still there")
                elif document is None:
                    problems.append(f"{view}/{key}: missing")
                else:
                    for field_name, expected_field in fields.items():
                        if document.get(field_name) != want[expected_field]:
                            problems.append(f"{view}/{key}: {field_name} is {document.get(field_name)!r}, "
                                            f"expected {want[expected_field]!r}")
        return problems, " and ".join(compared)


def verify(arguments: argparse.Namespace, screen: Screen) -> int:
    verifier = Verifier(arguments)
    deadline = time.monotonic() + arguments.timeout
    while True:
        problems, compared = verifier.differences()
        if not problems or time.monotonic() >= deadline:
            break
        time.sleep(1)
    print(screen.frame())
    if problems:
        print(f"\nMISMATCH after {arguments.timeout:.0f}s: {len(problems)} of {compared} differ:")
        for problem in problems[:10]:
            print(f"  {problem}")
        return 1
    print(f"\nOK: {compared} match what the load generator wrote "
          f"({verifier.expected.get('events', '?')} events).")
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _first(*values: object) -> object | None:
    return next((value for value in values if value is not None), None)


def _number(value: object, digits: int = 0) -> str:
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}"
    return "-" if value is None else str(value)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="projector.yaml", help="projector.yaml of the running instance")
    parser.add_argument("--projector", default="projector", help="the projector binary (for `status --json`)")
    parser.add_argument("--admin-url", help="the running instance's admin HTTP server, e.g. http://127.0.0.1:9464")
    parser.add_argument("--pid", type=int, help="pid of `projector run`, to show whether it is up")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--opensearch-url", default=os.environ.get("OPENSEARCH_URL"))
    parser.add_argument("--dynamodb-endpoint", default=os.environ.get("DYNAMODB_ENDPOINT"))
    parser.add_argument("--table", default="demo.event_store", help="the event table")
    parser.add_argument("--schema", default="projector", help="projector's own schema (checkpoints)")
    parser.add_argument("--hot", help="the load generator's --hot file: keys to follow")
    parser.add_argument("--log", help="projector's log file; its last lines are shown")
    parser.add_argument("--log-lines", type=int, default=3)
    parser.add_argument("--documents", type=int, default=3, help="documents shown per view")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")
    parser.add_argument("--once", action="store_true", help="print one frame and exit")
    parser.add_argument("--verify", metavar="FILE", help="check the views against the load generator's --expect file")
    parser.add_argument("--timeout", type=float, default=120, help="seconds --verify waits for the views to agree")
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("--database-url or env DATABASE_URL is required")
    if not all(part.replace("_", "").isalnum() for part in arguments.table.split(".")):
        parser.error(f"--table: expected schema.table of letters, digits and _, got {arguments.table!r}")
    if not arguments.schema.replace("_", "").isalnum():
        parser.error(f"--schema: expected letters, digits and _, got {arguments.schema!r}")
    return arguments


def main() -> int:
    arguments = parse_arguments()
    screen = Screen(arguments, Sources(arguments))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if arguments.verify:
        return verify(arguments, screen)
    started = time.monotonic()
    try:
        while True:
            frame = screen.frame()
            if screen.tty and not arguments.once:
                sys.stdout.write("\033[H\033[2J" + frame + "\n")
            else:
                sys.stdout.write(frame + "\n\n")
            sys.stdout.flush()
            if arguments.once or (arguments.duration and time.monotonic() - started >= arguments.duration):
                return 0
            time.sleep(arguments.interval)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
