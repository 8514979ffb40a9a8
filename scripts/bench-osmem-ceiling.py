#!/usr/bin/env python3
"""Ceiling of an OpenSearch-compatible server for the sink benchmark.

Sends the same documents the sink benchmark writes, as plain `_bulk` requests of `create` actions
(1,000 documents per request by default), one request at a time over one keep-alive connection,
with nothing but the standard library, and prints:

    BENCH opensearch_raw_ceiling_docs_per_s <value> docs/s

Input: a file of lines `{"_id": KEY, "doc": {...}}` (what OpenSearchBench writes).
The index must exist; the script only writes. Timing covers building each bulk body, sending it and
reading and checking its response.

Usage: bench-osmem-ceiling.py --url http://127.0.0.1:9200 --index NAME --file docs.jsonl [--bulk 1000]
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--bulk", type=int, default=1000)
    args = parser.parse_args()

    documents = []
    with open(args.file, "rb") as source:
        for line in source:
            if line.strip():
                entry = json.loads(line)
                documents.append((json.dumps(entry["_id"]), json.dumps(entry["doc"], separators=(",", ":"))))

    target = urllib.parse.urlsplit(args.url)
    connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=120)
    path = f"{target.path.rstrip('/')}/{urllib.parse.quote(args.index)}/_bulk"
    headers = {"Content-Type": "application/x-ndjson"}

    started = time.perf_counter()
    for offset in range(0, len(documents), args.bulk):
        lines = []
        for key, doc in documents[offset:offset + args.bulk]:
            lines.append('{"create":{"_id":%s}}\n%s\n' % (key, doc))
        connection.request("POST", path, body="".join(lines).encode("utf-8"), headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            sys.exit(f"bulk failed: HTTP {response.status}: {payload[:300]!r}")
        answer = json.loads(payload)
        if answer.get("errors"):
            failed = [item for item in answer["items"] if next(iter(item.values())).get("status", 500) >= 300]
            sys.exit(f"bulk failed for {len(failed)} documents, first: {json.dumps(failed[0])[:300]}")
    elapsed = time.perf_counter() - started
    connection.close()
    print(f"BENCH opensearch_raw_ceiling_docs_per_s {len(documents) / elapsed:.0f} docs/s")


if __name__ == "__main__":
    main()
