#!/usr/bin/env python3
"""The DynamoDB server's write ceiling for the sink benchmark (Benchmarks/ProjectorBench/DynamoDBBench.swift).

Sends the same items the sink writes, with boto3 put_item and the same condition (attribute_not_exists on the
key), from a thread pool of the same concurrency, into an existing table, and prints one line:

    CEILING <items> <seconds> <items_per_second>

usage: bench-moto-ceiling.py --endpoint URL --table NAME --items FILE [--concurrency N] [--key id]
FILE holds one DynamoDB item per line in the JSON protocol's AttributeValue form ({"id": {"S": "…"}, …}).
"""
import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--items", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--key", default="id")
    args = parser.parse_args()

    with open(args.items, encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]

    config = Config(max_pool_connections=args.concurrency, retries={"max_attempts": 8, "mode": "standard"})
    client = boto3.client(
        "dynamodb",
        endpoint_url=args.endpoint,
        region_name=os.environ.get("AWS_REGION", "eu-west-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        config=config,
    )
    failures = []
    lock = threading.Lock()

    def put(item):
        try:
            client.put_item(
                TableName=args.table,
                Item=item,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": args.key},
            )
        except Exception as error:  # counted, reported below
            with lock:
                failures.append(error)

    # Warm the connection pool and botocore's caches outside the timing.
    client.describe_table(TableName=args.table)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(put, items))
    elapsed = time.perf_counter() - started
    if failures:
        print(f"bench-moto-ceiling: {len(failures)} puts failed, first: {failures[0]}", file=sys.stderr)
        sys.exit(1)
    print(f"CEILING {len(items)} {elapsed:.3f} {len(items) / elapsed:.1f}")


if __name__ == "__main__":
    main()
