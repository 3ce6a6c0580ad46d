"""``emoshift serve``: the local web app (upload or pick a photo, type an instruction, get the animation).

It listens on 127.0.0.1 only unless ``--host`` says otherwise. Everything runs on this machine: the page
and its 3D viewer (three.js) are served from the package, nothing is loaded from the internet. Requests
are queued (``--queue`` at most, then "busy"); photos above ``--max-upload-mb`` are refused; results are
deleted ``--retention-minutes`` after they are made and all of them when the server stops.

Only requests addressed to 127.0.0.1 / localhost / the bound address and, for job submissions, coming
from the page itself are answered (other web sites cannot drive it). Binding to a non-loopback address
prints a warning: anyone who can reach that address can run jobs. On Ctrl+C or SIGTERM the queued jobs
are dropped and the server stops within a few seconds.
"""

from __future__ import annotations

import argparse
import sys

from emoshift.io import UserError

#: Seconds open connections get to finish at shutdown (the running job gets as long, see JobQueue.close).
STOP_SECONDS = 3


def run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from emoshift.warmup import WarmPipeline as Pipeline  # its load() also readies the render kernels
    from emoshift.web.app import ServeConfig, create_app

    if not 1 <= args.port <= 65535:
        raise UserError(f"--port must lie in 1..65535, got {args.port}")
    if args.queue < 1 or args.max_upload_mb <= 0 or args.retention_minutes <= 0:
        raise UserError("--queue, --max-upload-mb and --retention-minutes must be positive")
    config = ServeConfig(max_pending=args.queue, max_upload_mb=args.max_upload_mb,
                         retention_minutes=args.retention_minutes, host=args.host, port=args.port)  # fmt: skip
    from emoshift.web.guard import is_loopback

    if not is_loopback(args.host):
        print(f"emoshift: warning: listening on {args.host}: the app is reachable from other machines and anyone "
              "who can reach it can run jobs; use the default 127.0.0.1 unless you mean it", file=sys.stderr)  # fmt: skip
    app = create_app(lambda: Pipeline.load(seed=args.seed, generator=args.generator), config)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(name)s: %(message)s")
    if not args.quiet:
        print(f"emoshift: serving on http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning" if args.quiet else "info",
                    timeout_graceful_shutdown=STOP_SECONDS)  # fmt: skip
    except OSError as err:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the local web app",
        description=__doc__.split("\n\n")[0],
        epilog="examples:\n  emoshift serve\n  emoshift serve --port 8080 --queue 2 --retention-minutes 10",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--queue", type=int, default=4, help="jobs queued or running at once before 'busy' (default 4)")
    p.add_argument("--max-upload-mb", type=float, default=10.0, help="largest photo accepted (default 10 MB)")
    p.add_argument("--retention-minutes", type=float, default=30.0,
                   help="delete results this long after they are made (default 30)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="default random seed (default 0)")
    p.add_argument("--generator", choices=["auto", "generator", "prototype"], default="auto",
                   help="the planner (default auto: the trained generator if installed)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="log warnings only")
    p.set_defaults(func=run)
