// Helpers the npm client scenarios (masto, megalodon) share: checks that fail with a message,
// timed steps that stop the run on the first failure, and a PNG made without an image library.
import { deflateSync } from "node:zlib";

export class CheckError extends Error {}
export const check = (cond, message) => {
  if (!cond) throw new CheckError(message);
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Runs one named step and prints its time; on failure prints what the client library reports
// (`detail(err)`, e.g. the HTTP status and body) and exits 1.
export async function step(name, fn, detail = () => null) {
  const start = performance.now();
  try {
    const out = await fn();
    console.log(`  ok   ${name} (${Math.round(performance.now() - start)} ms)`);
    return out;
  } catch (err) {
    console.error(`  FAIL ${name}: ${err?.constructor?.name}: ${err?.message}`);
    const more = detail(err);
    if (more) console.error(`       ${more}`);
    if (!(err instanceof CheckError)) console.error(err);
    process.exit(1);
  }
}

// A small valid RGB PNG made here, so the script needs no image library.
export function png(width = 8, height = 8) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind, data) => {
    const body = Buffer.concat([Buffer.from(kind, "ascii"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push((x * 32) % 256, 90, (y * 32) % 256);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}


// A page on loopback for Herd's link preview to fetch (herd serve runs with 127.0.0.0/8 on its
// federation.allow_private in CI, as the tests do): /article/NAME with OpenGraph tags and an
// og:image. Resolves to the server's origin; the server does not keep the process alive.
export async function serveSite() {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    if (req.url.startsWith("/article/")) {
      const name = req.url.split("/").pop();
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><html lang="en"><head><title>fallback</title>` +
          `<meta property="og:title" content="Article ${name}">` +
          `<meta property="og:description" content="What the page is about">` +
          `<meta property="og:site_name" content="Scenario News">` +
          `<meta property="og:image" content="/image.png"></head><body><p>Body</p></body></html>`,
      );
    } else if (req.url === "/image.png") {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(png(64, 32));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return `http://127.0.0.1:${server.address().port}`;
}

// A 64×48, 10 fps, one-second H.264 MP4 made with ffmpeg, as bytes; null without ffmpeg.
export async function mp4() {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "clip-"));
  try {
    const out = join(dir, "clip.mp4");
    const r = spawnSync(
      "ffmpeg",
      ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1", "-pix_fmt", "yuv420p", "-c:v", "libx264", out],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    if (r.error?.code === "ENOENT") return null;
    if (r.status !== 0) throw new Error(`ffmpeg exited ${r.status}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
