"""python -m tests.emulator: run the Scaleway Registry API v1 emulator (see README.md)."""

import argparse
import os
import signal
import sys
import threading
import time

from .accounts import Accounts
from .model import SeedError
from .registry import Registries, RegistryError, StartAborted
from .seed import load_seed_text, parse_seed
from .server import Emulator, Faults, Latency, make_server
from .store import Store


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator", description="Local emulator of the Scaleway Container Registry API v1."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file keeping the state across restarts")
    parser.add_argument("--seed", metavar="FILE", help="YAML or JSON seed loaded at start")
    parser.add_argument(
        "--secret-key",
        metavar="KEY[:ORG[:PROJECT]]",
        action="append",
        default=[],
        help="an API key the emulator accepts (repeatable); also read, space-separated, from the"
        " SCW_EMULATOR_SECRET_KEYS environment variable, which keeps keys off the command line",
    )
    parser.add_argument("--latency-ms", metavar="N|MIN-MAX", help="latency added to every API request")
    parser.add_argument("--faults", metavar="SPEC", help="e.g. 429=0.2,503=0.05,reset=0.02,seed=7")
    parser.add_argument(
        "--deleting-polls",
        metavar="N",
        type=int,
        default=3,
        help="reads a deleted non-empty namespace or image stays 'deleting' (default 3)",
    )
    parser.add_argument(
        "--registry", action="store_true", help="also run one docker-registry per region, with Scaleway-like token auth"
    )
    args = parser.parse_args(argv)
    try:
        args.accounts = Accounts(args.secret_key + os.environ.get("SCW_EMULATOR_SECRET_KEYS", "").split())
        args.fault_plan = Faults(args.faults)
        args.latency = Latency(args.latency_ms)
    except ValueError as exc:
        parser.error(str(exc))
    if args.deleting_polls < 0:
        parser.error("--deleting-polls must be 0 or more")
    return args


def load_seed(store, args):
    """Fills the store from --seed; False, once the error is on stderr, when the seed cannot be loaded."""
    try:
        with open(args.seed, encoding="utf-8") as handle:
            doc = load_seed_text(handle.read())
        # With --db, a restart keeps the state: the seed only fills a new, empty one.
        if store.is_empty():
            store.seed(*parse_seed(doc, args.accounts))
    except (OSError, ValueError, SeedError) as exc:
        print(f"emulator: --seed {args.seed}: {exc}", file=sys.stderr)
        return False
    return True


def main(argv=None):
    stopping = []
    # The handler only records the signal: the main thread does the shutdown,
    # because taking locks inside a signal handler can deadlock.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))

    args = parse_args(argv)
    store = Store(args.db, args.deleting_polls)
    if args.seed and not load_seed(store, args):
        return 2

    emulator = Emulator(store, args.accounts, args.fault_plan, args.latency)
    try:
        server = make_server(args.host, args.port, emulator)
    except OSError as exc:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    registries = None
    try:
        if args.registry:
            registries = Registries(host, url, store, args.accounts, f"{args.db}.registry" if args.db else None)
            # Started before the server thread: forking with no other thread running is safe.
            registries.start(lambda: bool(stopping))
            store.registry_hosts = registries.hosts
            emulator.registries = emulator.api.registries = registries
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        try:
            for region, registry_url in (registries.urls if registries else {}).items():
                print(f"registry {region} {registry_url}")
            print(f"emulator listening on {url}", flush=True)
            while not stopping:
                if registries is not None:
                    registries.check()
                time.sleep(0.05)
        finally:
            server.shutdown()
    except StartAborted:
        pass
    except RegistryError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 1
    finally:
        if registries is not None:
            registries.stop()
        server.server_close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
