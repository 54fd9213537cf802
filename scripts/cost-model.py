#!/usr/bin/env python3
"""The serverless home's cost model (docs/deploy.md, "What it costs").

Counts the AWS requests of each operation from the table design in docs/aws.md
and prices them with AWS's public on-demand prices (us-east-1, the figures
below, as published in 2025; check them before relying on this). Compares
moodchat's design with the two it replaces: clients polling the REST API, and
the public samples' Scan of every connection on every message. Prints Markdown
tables. Rerun after changing an assumption:

    python3 scripts/cost-model.py
"""

# --- Prices, USD, us-east-1 (AWS pricing pages, 2025).
DYNAMODB_PER_MILLION_WRU = 0.625   # on-demand write request units (since Nov 2024)
DYNAMODB_PER_MILLION_RRU = 0.125   # on-demand read request units
LAMBDA_PER_GB_SECOND = 0.0000133334  # arm64
LAMBDA_PER_MILLION_REQUESTS = 0.20
WS_PER_MILLION_MESSAGES = 1.00     # API Gateway WebSocket, first billion, 32 KB units, both directions
WS_PER_MILLION_CONNECTION_MINUTES = 0.25
HTTP_PER_MILLION_REQUESTS = 1.00   # API Gateway HTTP API, first 300 million

# --- Sizes and durations (assumptions).
FUNCTION_GB = 0.5            # ws-default / http-api memory (512 MB)
WARM_MS = 25                 # a warm invocation's own work
PUSH_MS_PER_CONNECTION = 0.4  # parallel PostToConnection, amortised per recipient
CONNECTION_ITEM_BYTES = 150  # a ROOM#r/CONN#c item


def read_units(bytes_read, consistent=False):
    """RRU for reading this many bytes (4 KB units; eventual consistency halves it)."""
    units = max(1, -(-bytes_read // 4096))
    return units if consistent else units / 2


def lambda_cost(invocations, milliseconds):
    return invocations * (LAMBDA_PER_MILLION_REQUESTS / 1e6 + FUNCTION_GB * milliseconds / 1000 * LAMBDA_PER_GB_SECOND)


def price(wru=0.0, rru=0.0, ws_messages=0.0, http_requests=0.0, invocations=0.0, lambda_ms=0.0, connection_minutes=0.0):
    return {
        "DynamoDB": wru * DYNAMODB_PER_MILLION_WRU / 1e6 + rru * DYNAMODB_PER_MILLION_RRU / 1e6,
        "API Gateway": ws_messages * WS_PER_MILLION_MESSAGES / 1e6
        + http_requests * HTTP_PER_MILLION_REQUESTS / 1e6
        + connection_minutes * WS_PER_MILLION_CONNECTION_MINUTES / 1e6,
        "Lambda": lambda_cost(invocations, lambda_ms),
    }


def send_over_websocket(online):
    """One sendMessage frame in a room with `online` subscribed connections."""
    # Writes: the rate counter (1), the send transaction (4 items x 2 WRU, each
    # under 1 KB), GSI writes: message-by-id (GSI2) and the sender's membership (GSI1).
    wru = 1 + 4 * 2 + 2
    # Reads: who is speaking (CONN#c/META), the room's last_seq (consistent),
    # the fan-out Query of the room's connections.
    rru = read_units(300) + read_units(1000, consistent=True) + read_units(online * CONNECTION_ITEM_BYTES)
    # WebSocket messages: the frame in, the ack, the message to every connection.
    ws = 1 + 1 + online
    ms = WARM_MS + PUSH_MS_PER_CONNECTION * online
    return dict(wru=wru, rru=rru, ws_messages=ws, invocations=1, lambda_ms=ms)


def send_scan_per_message(online, all_connections):
    """The public samples: a PutItem, a Scan of every connection, a post to each."""
    rru = read_units(all_connections * CONNECTION_ITEM_BYTES)
    ms = WARM_MS + PUSH_MS_PER_CONNECTION * all_connections * 2  # they post sequentially
    return dict(wru=1, rru=rru, ws_messages=1 + all_connections, invocations=1, lambda_ms=ms)


def per_million(operation):
    return {name: cost * 1e6 for name, cost in price(**operation).items()}


def row(label, costs):
    total = sum(costs.values())
    return f"| {label} | " + " | ".join(f"${costs[k]:,.2f}" for k in ("DynamoDB", "API Gateway", "Lambda")) + f" | **${total:,.2f}** |"


def messages_table():
    print("Per million messages sent over the WebSocket, every member online with one connection:\n")
    print("| room size | DynamoDB | API Gateway | Lambda | total |")
    print("|---|---|---|---|---|")
    for members in (2, 20, 200):
        print(row(f"{members} members (moodchat)", per_million(send_over_websocket(members))))
    for members in (2, 20, 200):
        # The Scan design reads every connection of the deployment: take 1,000 online.
        print(row(f"{members} members (Scan per message, 1,000 connections online)", per_million(send_scan_per_message(members, 1000))))
    print()


# --- Per thousand daily users, per 30-day month.
DAU = 1000
MINUTES_ONLINE_PER_DAY = 60
MESSAGES_PER_USER_PER_DAY = 30
ROOM_MEMBERS_ONLINE = 5          # connections subscribed to the room when a message is sent
ROOM_LIST_LOADS_PER_DAY = 10
POLL_INTERVAL_SECONDS = 3
DAYS = 30


def daily_users_table():
    messages = DAU * MESSAGES_PER_USER_PER_DAY * DAYS
    minutes = DAU * MINUTES_ONLINE_PER_DAY * DAYS
    # Every open app pings every 4 minutes (40% of the 10-minute idle timeout).
    pings = minutes / 4
    send = send_over_websocket(ROOM_MEMBERS_ONLINE)
    room_lists = DAU * ROOM_LIST_LOADS_PER_DAY * DAYS
    # A room list: GSI1 Query of ~10 memberships (eventually consistent) +
    # BatchGetItem of 10 room items (~1 KB each) over HTTP.
    ours = {
        "wru": messages * send["wru"] + DAU * DAYS * 2 * 2,  # connect + disconnect items
        "rru": messages * send["rru"] + room_lists * (read_units(10 * 300) + 10 * read_units(1000)) + pings * read_units(300),
        "ws_messages": messages * send["ws_messages"] + pings * 2,
        "http_requests": room_lists,
        "invocations": messages + pings + room_lists + DAU * DAYS * 3,  # + authorizer, connect, disconnect
        "lambda_ms": 0,
        "connection_minutes": minutes,
    }
    lambda_total = lambda_cost(messages, send["lambda_ms"]) + lambda_cost(pings + room_lists + DAU * DAYS * 3, WARM_MS)
    costs = price(**ours)
    costs["Lambda"] = lambda_total

    polls = minutes * 60 / POLL_INTERVAL_SECONDS
    # Polling: every open app asks for new messages every few seconds (HTTP API,
    # a Lambda, one Query); sends are REST requests doing the same transaction.
    polling = price(
        wru=messages * (send["wru"] - 1),
        rru=messages * (send["rru"] - read_units(ROOM_MEMBERS_ONLINE * CONNECTION_ITEM_BYTES)) + polls * read_units(500),
        http_requests=polls + messages + room_lists,
        invocations=polls + messages + room_lists,
        lambda_ms=WARM_MS,
    )
    # The Scan design with the same users: every message reads every online connection.
    online = DAU * MINUTES_ONLINE_PER_DAY / (24 * 60)
    scan = send_scan_per_message(ROOM_MEMBERS_ONLINE, max(1, round(online)))
    scanned = price(**{k: v * messages for k, v in scan.items() if k != "lambda_ms"}, lambda_ms=scan["lambda_ms"], connection_minutes=minutes)
    print(
        f"Per {DAU:,} daily users for {DAYS} days ({MINUTES_ONLINE_PER_DAY} min online and {MESSAGES_PER_USER_PER_DAY} messages "
        f"a day each, {ROOM_MEMBERS_ONLINE} connections in a room when a message is sent, {ROOM_LIST_LOADS_PER_DAY} room lists "
        f"a day, a ping every 4 min; polling every {POLL_INTERVAL_SECONDS} s):\n"
    )
    print("| design | DynamoDB | API Gateway | Lambda | total |")
    print("|---|---|---|---|---|")
    print(row("moodchat (WebSocket, Query fan-out)", costs))
    print(row(f"polling every {POLL_INTERVAL_SECONDS} s", polling))
    print(row(f"Scan per message (~{round(online)} connections online)", scanned))
    print()
    print("Cognito: the first 10,000 monthly active users of the Lite tier cost nothing; S3, SNS and CloudWatch Logs are cents at this scale.")


if __name__ == "__main__":
    messages_table()
    daily_users_table()
