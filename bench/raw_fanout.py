"""The raw fan-out baseline: Redis SUBSCRIBE plus a plain websockets server send loop, no Django.

One process = one server: on connect it sends {"type": "snapshot", "seq"}, then forwards every message
published on the Redis channel to every connected client, one `await send` after another.

    python bench/raw_fanout.py --port 9001 --redis redis://127.0.0.1:6379/0 --channel bench-raw
"""

from __future__ import annotations

import argparse
import asyncio
import json

import redis.asyncio as aioredis
import websockets


async def serve(port: int, redis_url: str, channel: str) -> None:
    clients: set = set()
    seq = [0]

    async def handler(ws):
        await ws.send(json.dumps({"type": "snapshot", "seq": seq[0]}))
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        client = aioredis.from_url(redis_url)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel)
        print("ready", flush=True)
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            text = message["data"].decode()
            seq[0] = json.loads(text)["seq"]
            for ws in list(clients):
                try:
                    await ws.send(text)
                except websockets.ConnectionClosed:
                    clients.discard(ws)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.redis, args.channel))


if __name__ == "__main__":
    main()
