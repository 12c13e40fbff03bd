"""`lossacc-tui serve PATH...`: the terminal view in a web browser, for those who cannot use a
terminal. textual-serve (an optional extra) runs `lossacc-tui watch PATH...` once per browser tab,
with Textual's web driver, and serves the page that draws it (xterm.js over a websocket).

The view is the same program as in a terminal: same options, same keys; it only reads the logs.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

INSTALL = "pip install 'lossacc-tui[serve]'"
SERVE_ONLY = ("--host", "--port")


def watch_command(argv: Sequence[str]) -> str:
    """The `watch` command line each browser tab runs: `argv` (what followed `serve`) without the
    server's own options, with this interpreter (so the same installation serves it).

    >>> watch_command(["runs/", "--port", "9000", "--smoothing", "0.6", "--host=0.0.0.0"]).split()[-4:]
    ['watch', 'runs/', '--smoothing', '0.6']
    """
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in SERVE_ONLY:
            skip = True
            continue
        if a.split("=", 1)[0] in SERVE_ONLY:
            continue
        out.append(a)
    return shlex.join([sys.executable, "-m", "lossacc_tui", "watch", *out])


def serve(argv: Sequence[str], host: str, port: int) -> int:
    """Serve the view until interrupted; 2 with one line on stderr when textual-serve is missing."""
    try:
        from textual_serve.server import Server
    except ImportError:
        print(f"lossacc-tui: 'serve' needs textual-serve: {INSTALL}", file=sys.stderr)
        return 2
    server = Server(watch_command(argv), host=host, port=port, title="lossacc-tui")
    print(f"lossacc-tui: serving the view at http://{host}:{port} (ctrl+c stops)", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        return 0
    except OSError as e:  # the port is taken, the host cannot be bound
        print(f"lossacc-tui: cannot serve at {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 2
    return 0
