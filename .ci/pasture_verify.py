"""fediverse-pasture's verify_actor (PyPI fediverse-pasture 0.2.25, bovine signer) against a Herd
actor on loopback. Run by .ci/fedify.sh with the venv's python:

    python pasture_verify.py ACTOR_URI

It serves pasture's six test actors on 127.0.0.1 (a free port; pasture's own CLI binds 0.0.0.0),
asks verify_actor to probe ACTOR_URI, prints the verdict and exits 1 unless every check is as
it must be for a server that verifies signatures: the actor and WebFinger resolve, the
unsigned posters (alice, dean) are refused, and the signed ones (bob, claire, emily, frank)
are accepted.
"""

import asyncio
import json
import os
import socket
import sys
import tempfile

import aiohttp


async def main(actor_uri: str) -> int:
    # pasture keeps its generated actors (keys) in the working directory.
    os.chdir(tempfile.mkdtemp(prefix="pasture-"))
    from fediverse_pasture.verify_actor import build_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(False, f"127.0.0.1:{port}", False, 10)
    server = asyncio.create_task(app.run_task(host="127.0.0.1", port=port))
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"http://127.0.0.1:{port}/static/styles.css") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        async with session.get(
            f"http://127.0.0.1:{port}/",
            params={"actor_uri": actor_uri},
            headers={"accept": "application/json"},
            timeout=aiohttp.ClientTimeout(total=120),
        ) as r:
            verdict = await r.json()
    server.cancel()

    result = verdict["result"]
    print(json.dumps(result, indent=2))
    checks = [("webfinger", result.get("webfinger") is True)]
    for name in ["alice", "bob", "claire", "dean", "emily", "frank"]:
        r = result.get(name) or {}
        checks.append((f"{name}.get_actor", r.get("get_actor") is True))
    # alice and dean post unsigned: a verifying server refuses them; the others sign.
    for name, want in [("alice", False), ("dean", False), ("bob", True), ("claire", True), ("emily", True), ("frank", True)]:
        r = result.get(name) or {}
        checks.append((f"{name}.post_inbox is {want}", r.get("post_inbox") is want))
    bad = [c for c, good in checks if not good]
    for c, good in checks:
        print(f"  {'ok  ' if good else 'FAIL'} {c}")
    print(f"{len(checks) - len(bad)} passed, {len(bad)} failed")
    if bad:
        print(verdict.get("messages", ""), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
