"""What the Python client scenarios (Mastodon.py, toot) share for issue 17's steps: a page on
loopback for Herd's link preview to fetch (herd serve runs with 127.0.0.0/8 on its
federation.allow_private, as the tests do, so the SSRF guard lets it through), and a one-second
MP4 made with ffmpeg for the video upload.
"""

import shutil
import struct
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def png(width, height):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes([(x * 4) % 256, (y * 8) % 256, 99]) for x in range(width)) for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class _Page(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path.startswith("/article/"):
            title = self.path.rsplit("/", 1)[-1]
            body = (
                '<!doctype html><html lang="en"><head><title>fallback</title>'
                f'<meta property="og:title" content="Article {title}">'
                '<meta property="og:description" content="What the page is about">'
                '<meta property="og:site_name" content="Scenario News">'
                '<meta property="og:image" content="/image.png">'
                "</head><body><p>Body</p></body></html>"
            ).encode()
            kind = "text/html; charset=utf-8"
        elif self.path == "/image.png":
            body, kind = png(64, 32), "image/png"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: the scenario prints its own steps
        pass


def serve_site():
    """Starts the page server on 127.0.0.1 (a free port) in a daemon thread; returns its origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def have_ffmpeg():
    return shutil.which("ffmpeg") is not None


def make_mp4(path):
    """A 64×48, 10 fps, one-second H.264 clip (a few kB)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
         "-t", "1", "-pix_fmt", "yuv420p", "-c:v", "libx264", path],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path
