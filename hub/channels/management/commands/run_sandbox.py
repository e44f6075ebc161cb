import time

from django.core.management.base import BaseCommand, CommandError

from connectors.sandbox import SANDBOXES, load_file, sandbox_app
from connectors.sandbox.base import SandboxServer


class Command(BaseCommand):
    help = "Serve one channel's local sandbox on loopback until stopped (Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, choices=sorted(SANDBOXES))
        parser.add_argument("--port", type=int, default=0, help="Port on 127.0.0.1 (default: any free one)")
        parser.add_argument("--load", nargs="*", default=[], metavar="FILE",
                            help="Files in the channel's own response format to serve")  # fmt: skip

    def handle(self, *args, channel, port, load, **options):
        app = sandbox_app(channel)
        for path in load:
            try:
                self.stdout.write(f"loaded {path}: {load_file(app, path)}")
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot load {path}: {exc}") from exc
        try:
            server = SandboxServer(app, port=port).start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on port {port}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{channel} sandbox on {server.url} (control: {server.url}/_sandbox/state)"))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.stop()
