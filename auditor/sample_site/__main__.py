"""python -m auditor.sample_site [--host H] [--port N]: serve the sample site in the foreground."""
from __future__ import annotations

import argparse
from http.server import ThreadingHTTPServer

from auditor.sample_site import SITE, _handler


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m auditor.sample_site", description=f"Serve the sample site {SITE['name']}")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), _handler())
    host, port = server.server_address[:2]
    print(f"{SITE['name']} ({SITE['host']}) served at http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
