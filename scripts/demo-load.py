#!/usr/bin/env python3
"""Appends a realistic stream of banking events to an event table in the seed systems' layout.

Writes the way those systems write (DESIGN.md §2): one row per event with invocation,
request and interaction ids, breadcrumbs, a per-aggregate ``event_seq`` 1, 2, 3… under the
primary key, and the event itself as JSONB in ``data``, edd-encoded: keyword values are
strings with a leading ``:`` (``"event-id": ":money-deposited"``), UUIDs carry a leading ``#``.

Two services write: ``customer-svc`` (customer aggregates) and ``account-svc`` (accounts).

    customer-registered     {customer_id, name, email, segment}       customer stream
    customer-renamed        {name}                                    customer stream
    customer-email-changed  {email}                                   customer stream
    account-opened          {customer_id, iban, currency, owner}      account stream
    money-deposited         {amount, currency[, transfer_id, counterparty]}
    money-withdrawn         {amount, currency[, channel | transfer_id, counterparty]}
    account-closed          {customer_id}

A transfer is one transaction of two events on two accounts (a withdrawal on one stream, a
deposit on the other, sharing ``transfer_id``); onboarding writes a customer and an account in
one transaction; a card settlement writes several withdrawals on one account in one
transaction; closing an account pays out the balance and closes it in one transaction.
Withdrawals never overdraw, so every balance stays at or above zero.

No database driver is needed: SQL goes through one long-lived ``psql`` process, one
transaction per flush. Stops after ``--duration`` seconds or on SIGINT/SIGTERM, after
committing the transaction in hand. ``--expect FILE`` writes the final state the views should
reach (balances, owners, names) as JSON; ``--hot FILE`` writes the keys of the busiest
accounts and customers right after the initial burst, for a live view to follow.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

CUSTOMER_SERVICE = "customer-svc"
ACCOUNT_SERVICE = "account-svc"
HOT_ACCOUNTS = 3
HOT_CUSTOMERS = 2

FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
    "Katarina", "Lukas", "Maria", "Niklas", "Olivia", "Paul", "Rosa", "Stefan", "Tereza", "Viktor",
]
LAST_NAMES = [
    "Bauer", "Novak", "Horvat", "Kovacs", "Wagner", "Popescu", "Müller", "Schmid", "O'Brien",
    "Dvořák", "Nagy", "Huber", "Kowalski", "Ivanova", "Gruber", "Steiner",
]
CURRENCIES = ["EUR", "EUR", "EUR", "EUR", "CZK", "HUF", "USD"]
SEGMENTS = ["retail", "retail", "retail", "premium", "business"]
BANK_CODE = "32000"


def keyword(name: str) -> str:
    """edd encoding of a keyword value."""
    return ":" + name


def ref(value: uuid.UUID) -> str:
    """edd encoding of a UUID value."""
    return "#" + str(value)


def iban(account_number: int) -> str:
    """An Austrian IBAN with a valid ISO 13616 check (mod 97), for a bank code and account number."""
    bban = f"{BANK_CODE}{account_number:011d}"
    digits = bban + "1029" + "00"  # A=10, T=29, then check digits 00
    return f"AT{98 - int(digits) % 97:02d}{bban}"


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Customer:
    id: uuid.UUID
    name: str
    email: str
    interaction: uuid.UUID
    seq: int = 0
    accounts: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Account:
    id: uuid.UUID
    customer: Customer
    currency: str
    iban: str
    balance: int = 0
    seq: int = 0
    closed: bool = False


@dataclass
class Row:
    service: str
    aggregate: uuid.UUID
    seq: int
    data: dict
    interaction: uuid.UUID


class Bank:
    """The domain model: decides what happens next and keeps each aggregate's sequence."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.customers: list[Customer] = []
        self.accounts: list[Account] = []
        self.open_accounts: list[Account] = []

    # Events ---------------------------------------------------------------------------------

    def _event(self, service: str, aggregate: Customer | Account, name: str, attrs: dict) -> Row:
        aggregate.seq += 1
        data = {"event-id": keyword(name), "id": ref(aggregate.id), "event-seq": aggregate.seq}
        data.update(attrs)
        customer = aggregate if isinstance(aggregate, Customer) else aggregate.customer
        return Row(service, aggregate.id, aggregate.seq, data, customer.interaction)

    def _customer_event(self, customer: Customer, name: str, attrs: dict) -> Row:
        return self._event(CUSTOMER_SERVICE, customer, name, attrs)

    def _account_event(self, account: Account, name: str, attrs: dict) -> Row:
        return self._event(ACCOUNT_SERVICE, account, name, attrs)

    def _new_name(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        email_local = f"{first}.{last}".lower().replace("'", "")
        return f"{first} {last}", f"{email_local}{self.rng.randint(1, 999)}@example.com"

    # Commands: each returns the events of one transaction ------------------------------------

    def onboard(self) -> list[Row]:
        name, email = self._new_name()
        customer = Customer(uuid.uuid4(), name, email, uuid.uuid4())
        self.customers.append(customer)
        registered = self._customer_event(customer, "customer-registered", {
            "customer_id": ref(customer.id), "name": name, "email": email,
            "segment": keyword(self.rng.choice(SEGMENTS))})
        return [registered] + self.open_account(customer)

    def open_account(self, customer: Customer | None = None) -> list[Row]:
        customer = customer or self.rng.choice(self.customers)
        number = self.rng.randrange(10**10, 10**11)
        account = Account(uuid.uuid4(), customer, self.rng.choice(CURRENCIES), iban(number))
        customer.accounts.append(account.id)
        self.accounts.append(account)
        self.open_accounts.append(account)
        return [self._account_event(account, "account-opened", {
            "customer_id": ref(customer.id), "iban": account.iban, "currency": keyword(account.currency),
            "owner": customer.name})]

    def rename(self) -> list[Row]:
        customer = self._pick_customer()
        first = customer.name.split(" ")[0]
        customer.name = f"{first} {self.rng.choice(LAST_NAMES)}"
        return [self._customer_event(customer, "customer-renamed", {"name": customer.name})]

    def change_email(self) -> list[Row]:
        customer = self._pick_customer()
        local = customer.name.lower().replace(" ", ".").replace("'", "")
        customer.email = f"{local}{self.rng.randint(1, 999)}@{self.rng.choice(['example.com', 'example.net'])}"
        return [self._customer_event(customer, "customer-email-changed", {"email": customer.email})]

    def deposit(self) -> list[Row]:
        account = self._pick_account()
        amount = self.rng.choice([20, 50, 100, 250, 500, 1200, 2500])
        account.balance += amount
        return [self._account_event(account, "money-deposited",
                                    {"amount": amount, "currency": keyword(account.currency)})]

    def withdraw(self) -> list[Row]:
        account = self._pick_account()
        amount = min(account.balance, self.rng.choice([10, 20, 40, 60, 100, 300]))
        if amount == 0:
            return self.deposit()
        account.balance -= amount
        return [self._account_event(account, "money-withdrawn",
                                    {"amount": amount, "currency": keyword(account.currency)})]

    def card_settlement(self) -> list[Row]:
        """Several card payments on one account, settled in one transaction."""
        account = self._pick_account()
        rows = []
        for _ in range(self.rng.randint(2, 5)):
            amount = min(account.balance, self.rng.choice([3, 7, 12, 25, 49]))
            if amount == 0:
                break
            account.balance -= amount
            rows.append(self._account_event(account, "money-withdrawn", {
                "amount": amount, "currency": keyword(account.currency), "channel": keyword("card")}))
        return rows or self.deposit()

    def transfer(self) -> list[Row]:
        source = self._pick_account()
        candidates = [a for a in self.open_accounts if a is not source and a.currency == source.currency]
        amount = min(source.balance, self.rng.choice([15, 30, 75, 150, 400]))
        if not candidates or amount == 0:
            return self.deposit()
        target = self.rng.choice(candidates)
        transfer = ref(uuid.uuid4())
        source.balance -= amount
        target.balance += amount
        common = {"amount": amount, "currency": keyword(source.currency), "transfer_id": transfer}
        return [
            self._account_event(source, "money-withdrawn", {**common, "counterparty": ref(target.id)}),
            self._account_event(target, "money-deposited", {**common, "counterparty": ref(source.id)}),
        ]

    def close(self) -> list[Row]:
        """Pays out the balance and closes the account; the hot accounts stay open."""
        candidates = self.open_accounts[HOT_ACCOUNTS:]
        if len(candidates) < 5:
            return self.deposit()
        account = self.rng.choice(candidates)
        rows = []
        if account.balance > 0:
            rows.append(self._account_event(account, "money-withdrawn", {
                "amount": account.balance, "currency": keyword(account.currency), "channel": keyword("payout")}))
            account.balance = 0
        rows.append(self._account_event(account, "account-closed", {"customer_id": ref(account.customer.id)}))
        account.closed = True
        self.open_accounts.remove(account)
        return rows

    def initial_deposit(self, account: Account) -> list[Row]:
        account.balance += 1000
        return [self._account_event(account, "money-deposited",
                                    {"amount": 1000, "currency": keyword(account.currency)})]

    def next_transaction(self) -> list[Row]:
        actions = [
            (self.deposit, 30), (self.withdraw, 20), (self.transfer, 20), (self.card_settlement, 8),
            (self.rename, 4), (self.change_email, 2), (self.onboard, 6), (self.open_account, 3), (self.close, 2),
        ]
        action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
        return action()

    # Choosing -------------------------------------------------------------------------------

    def _pick_account(self) -> Account:
        # A third of the traffic goes to the hot accounts, so a live view sees them change.
        if self.rng.random() < 0.33:
            return self.rng.choice(self.open_accounts[:HOT_ACCOUNTS])
        return self.rng.choice(self.open_accounts)

    def _pick_customer(self) -> Customer:
        if self.rng.random() < 0.5:
            return self.rng.choice(self.customers[:HOT_CUSTOMERS])
        return self.rng.choice(self.customers)

    # Reports --------------------------------------------------------------------------------

    def hot_keys(self) -> dict:
        return {
            "accounts": [str(a.id) for a in self.open_accounts[:HOT_ACCOUNTS]],
            "customers": [str(c.id) for c in self.customers[:HOT_CUSTOMERS]],
        }

    def expected(self) -> dict:
        return {
            "accounts": {
                str(a.id): {"balance": a.balance, "currency": a.currency, "iban": a.iban, "closed": a.closed,
                            "customer_id": str(a.customer.id), "events": a.seq}
                for a in self.accounts
            },
            "customers": {
                str(c.id): {"name": c.name, "email": c.email, "accounts": [str(a) for a in c.accounts],
                            "open_accounts": sum(1 for a in self.accounts if a.customer is c and not a.closed),
                            "events": c.seq}
                for c in self.customers
            },
        }


class Writer:
    """One long-lived psql process fed one transaction at a time."""

    def __init__(self, database_url: str, table: str):
        self.table = table
        self.process = subprocess.Popen(
            ["psql", database_url, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, encoding="utf-8")

    def write(self, rows: list[Row]) -> None:
        """Appends the events of one transaction: one invocation and request, the first row's interaction."""
        invocation, request, interaction = uuid.uuid4(), uuid.uuid4(), rows[0].interaction
        values = []
        for index, row in enumerate(rows):
            data = dict(row.data)
            data["request-id"] = ref(request)
            data["interaction-id"] = ref(interaction)
            data["meta"] = {"realm": keyword("demo")}
            breadcrumbs = "0" if index == 0 else f"0:{index - 1}"
            values.append("(" + ", ".join([
                sql_text(str(uuid.uuid4())), sql_text(str(invocation)), sql_text(str(request)),
                sql_text(str(interaction)), sql_text(breadcrumbs), str(row.seq), sql_text(row.service),
                sql_text(str(row.aggregate)), sql_text(json.dumps(data, ensure_ascii=False)),
            ]) + ")")
        statement = (
            f"BEGIN;\nINSERT INTO {self.table} (id, invocation_id, request_id, interaction_id, breadcrumbs, "
            "event_seq, service_name, aggregate_id, data) VALUES\n" + ",\n".join(values) + ";\nCOMMIT;\n")
        if self.process.poll() is not None:
            raise RuntimeError(f"psql exited with status {self.process.returncode}")
        assert self.process.stdin is not None
        self.process.stdin.write(statement)
        self.process.stdin.flush()

    def close(self) -> int:
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        return self.process.wait()


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL URL (default: env DATABASE_URL)")
    parser.add_argument("--table", default="demo.event_store", help="event table (default: demo.event_store)")
    parser.add_argument("--rate", type=float, default=200, help="events per second (default: 200; 0 = unthrottled)")
    parser.add_argument("--duration", type=float, default=0, help="seconds to run (default: 0 = until interrupted)")
    parser.add_argument("--events", type=int, default=0, help="stop after this many events (default: 0 = no limit)")
    parser.add_argument("--customers", type=int, default=20,
                        help="customers onboarded in the initial burst (default: 20)")
    parser.add_argument("--seed", type=int, default=None, help="random seed, for a repeatable stream")
    parser.add_argument("--expect", metavar="FILE", help="write the state the views should reach here at the end")
    parser.add_argument("--hot", metavar="FILE", help="write the keys of the busiest accounts and customers here")
    parser.add_argument("--progress", type=float, default=10, help="seconds between progress lines (default: 10)")
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("--database-url or env DATABASE_URL is required")
    if not all(part.replace("_", "").isalnum() for part in arguments.table.split(".")):
        parser.error(f"--table: expected schema.table of letters, digits and _, got {arguments.table!r}")
    if arguments.customers < HOT_CUSTOMERS + 1:
        parser.error(f"--customers: expected at least {HOT_CUSTOMERS + 1}")
    return arguments


def write_json(path: str, value: dict) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=1)
    os.replace(temporary, path)


def main() -> int:
    arguments = parse_arguments()
    rng = random.Random(arguments.seed)
    bank = Bank(rng)
    writer = Writer(arguments.database_url, arguments.table)

    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    events = transactions = 0
    started = last_progress = time.monotonic()

    def commit(rows: list[Row]) -> None:
        nonlocal events, transactions
        writer.write(rows)
        events += len(rows)
        transactions += 1

    try:
        for _ in range(arguments.customers):
            commit(bank.onboard())
        # Money in the fresh accounts before the mixed traffic starts.
        for account in list(bank.open_accounts):
            commit(bank.initial_deposit(account))
        if arguments.hot:
            write_json(arguments.hot, bank.hot_keys())

        while not stopping:
            now = time.monotonic()
            if arguments.duration and now - started >= arguments.duration:
                break
            if arguments.events and events >= arguments.events:
                break
            if arguments.rate > 0:
                ahead = events / arguments.rate - (now - started)
                if ahead > 0:
                    time.sleep(min(ahead, 0.2))
                    continue
            commit(bank.next_transaction())
            if arguments.progress and now - last_progress >= arguments.progress:
                last_progress = now
                print(f"demo-load: {events} events in {transactions} transactions, "
                      f"{events / max(now - started, 1e-9):.0f} events/s", file=sys.stderr, flush=True)
    except (BrokenPipeError, RuntimeError) as error:
        print(f"demo-load: psql stopped accepting events after {events} events: {error}", file=sys.stderr)
        writer.close()
        return 1

    status = writer.close()
    elapsed = time.monotonic() - started
    if status != 0:
        print(f"demo-load: psql exited with status {status} after {events} events", file=sys.stderr)
        return 1
    if arguments.expect:
        write_json(arguments.expect, {**bank.expected(), "events": events, "transactions": transactions})
    print(f"demo-load: done: {events} events in {transactions} transactions, {elapsed:.1f} s, "
          f"{len(bank.customers)} customers, {len(bank.accounts)} accounts", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
