// An independent ActivityPub peer built with Fedify 2.3.6 (@fedify/fedify + @fedify/vocab), run
// by .ci/fedify.sh against `herd serve` on loopback. One actor per process:
//
//   PEER_PORT (required)   PEER_BIND (127.0.0.1)   PEER_USER (peer)
//   PEER_SECURE=1          authorized fetch: the actor, its collections and its notes need a
//                          signed GET whose key owner Fedify can fetch (Fedify's `authorize`)
//
// Fedify verifies every incoming signature itself (RFC 9421 or draft-cavage, Digest, time
// window, key ownership); inbox listeners only run for verified activities, so everything in
// `/_test/log` was verified. The peer also records every HTTP exchange it takes part in, so the
// driver can check which signature scheme crossed the wire and how each side answered.
//
// Control API for the driver (JSON):
//   GET  /_test/log          {received: [...], inboxPosts: [...], outgoing: [...], followers, following}
//   POST /_test/follow       {target: actor URL}            Follow, and remember it
//   POST /_test/unfollow     {target}                       Undo(Follow)
//   POST /_test/post         {content, to?: [actor URLs], quote?: note URL, video?: true}
//                                                          Create(Note) to followers (+ `to`),
//                                                          quoting `quote` (Fedify's quoteUrl),
//                                                          with a video `Document` (/media/clip.mp4)
//   GET  /media/clip.mp4     a one-second H.264 clip made with ffmpeg on first use
//   POST /_test/quote        {content, object: note URL}   FEP-044f as Mastodon 4.5: Create(Note)
//                                                          with `quote`, then a QuoteRequest to
//                                                          the quoted author; its Accept's stamp
//                                                          goes out again in an Update(Note)
//   (inbox) QuoteRequest                                   answered with Accept + a
//                                                          QuoteAuthorization stamp served at
//                                                          /users/{user}/stamps/{id}
//   POST /_test/like         {object: note URL}             Like to the note's author
//   POST /_test/unlike       {object}                       Undo(Like)
//   POST /_test/lookup       {target}                       ctx.lookupObject (signed GET)

import http from "node:http";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getConsoleSink } from "@logtape/logtape";
import { randomUUID } from "node:crypto";
import {
  createFederation,
  exportJwk,
  generateCryptoKeyPair,
  importJwk,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Create,
  Document,
  Endpoints,
  Follow,
  isActor,
  Like,
  Link,
  Note,
  Person,
  PUBLIC_COLLECTION,
  QuoteAuthorization,
  QuoteRequest,
  Undo,
  Update,
} from "@fedify/vocab";

const PORT = Number(process.env.PEER_PORT);
const BIND = process.env.PEER_BIND ?? "127.0.0.1";
const USER = process.env.PEER_USER ?? "peer";
const SECURE = process.env.PEER_SECURE === "1";
const ORIGIN = `http://${BIND}:${PORT}`;
if (!PORT) {
  console.error("PEER_PORT is required");
  process.exit(2);
}

// --- What the driver inspects -------------------------------------------------------------
const received = []; // verified activities: {type, id, actor, object, objectType, content}
const requests = []; // every request served: {method, path, from: scheme, status}
const outgoing = []; // every request Fedify made: {method, url, scheme, status}
const followers = new Map(); // actor id -> {id, inbox, sharedInbox}
const following = new Map(); // actor id -> {followId, accepted}
const notes = new Map(); // note id -> {content, published, to}
const likes = new Map(); // object URL -> Like id
const quoteRequests = new Map(); // QuoteRequest id we sent -> {note, object}
const stamps = new Map(); // stamp id we issued -> {interactingObject, interactionTarget}

// The clip the peer attaches and serves: 64×48, 10 fps, one second of H.264 (a few kB).
let clipBytes = null;
function clip() {
  if (clipBytes) return clipBytes;
  const dir = mkdtempSync(join(tmpdir(), "peer-clip-"));
  try {
    const out = join(dir, "clip.mp4");
    const r = spawnSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1",
      "-pix_fmt", "yuv420p", "-c:v", "libx264", out], { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`ffmpeg failed (${r.error?.message ?? `exit ${r.status}`})`);
    clipBytes = readFileSync(out);
    return clipBytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function scheme(headers) {
  if (headers.get("signature-input")) return "rfc9421";
  if (headers.get("signature")) return "draft-cavage";
  return "unsigned";
}

// Record what Fedify sends (it uses the global fetch): first knocks, retries, statuses.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const req = new Request(input, init);
  const entry = { method: req.method, url: req.url, scheme: scheme(req.headers), status: null };
  outgoing.push(entry);
  try {
    const res = await realFetch(req);
    entry.status = res.status;
    return res;
  } catch (e) {
    entry.status = `error: ${e.message}`;
    throw e;
  }
};

// Fedify logs through LogTape: its warnings and errors (why an inbox POST failed) go to stderr.
await configure({
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: "fedify", sinks: ["console"], lowestLevel: process.env.PEER_LOG_LEVEL ?? "warning" },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "error" },
  ],
});

// --- Federation --------------------------------------------------------------------------
const federation = createFederation({
  kv: new MemoryKvStore(),
  // Loopback peers: private addresses and http are what this test is about.
  allowPrivateAddress: true,
  origin: ORIGIN,
});

const keyPairs = await (async () => {
  const { privateKey, publicKey } = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  // Round-trip through JWK, as a real deployment that stores its keys would.
  return [{
    privateKey: await importJwk(await exportJwk(privateKey), "private"),
    publicKey: await importJwk(await exportJwk(publicKey), "public"),
  }];
})();

async function signedOwner(ctx) {
  // Authorized fetch: only a signed request whose key owner resolves is served.
  const owner = await ctx.getSignedKeyOwner();
  return owner != null;
}

const actorSetters = federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `Fedify ${identifier}`,
      summary: "An independent ActivityPub peer (Fedify 2.3.6) for Herd's CI",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === USER ? keyPairs : []));
if (SECURE) actorSetters.authorize((ctx) => signedOwner(ctx));

const followersSetters = federation.setFollowersDispatcher(
  "/users/{identifier}/followers",
  async (_ctx, identifier) => {
    if (identifier !== USER) return null;
    return {
      items: [...followers.values()].map((f) => ({
        id: new URL(f.id),
        inboxId: new URL(f.inbox),
        endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
      })),
    };
  },
);
if (SECURE) followersSetters.authorize((ctx) => signedOwner(ctx));

federation.setFollowingDispatcher("/users/{identifier}/following", async (_ctx, identifier) =>
  identifier === USER ? { items: [...following.keys()].map((u) => new URL(u)) } : null
);
federation.setOutboxDispatcher("/users/{identifier}/outbox", async (_ctx, identifier) =>
  identifier === USER ? { items: [] } : null
);

const noteSetters = federation.setObjectDispatcher(
  Note,
  "/users/{identifier}/notes/{id}",
  async (ctx, values) => {
    const uri = ctx.getObjectUri(Note, values);
    const n = notes.get(uri.href);
    if (values.identifier !== USER || n == null) return null;
    return noteObject(ctx, uri, n);
  },
);
if (SECURE) noteSetters.authorize((ctx) => signedOwner(ctx));

// The peer's Follows are served at their ids: Fedify refetches an embedded object from another
// origin (Herd's Accept embeds our Follow) instead of trusting the copy.
const follows = new Map(); // follow id -> {actor, object}
federation.setObjectDispatcher(Follow, "/follows/{id}", async (ctx, values) => {
  const uri = ctx.getObjectUri(Follow, values);
  const f = follows.get(uri.href);
  return f ? new Follow({ id: uri, actor: new URL(f.actor), object: new URL(f.object) }) : null;
});

// The stamps this peer issued when it accepted a QuoteRequest (FEP-044f); in authorized-fetch
// mode they too need a signed GET, as the notes do.
const stampSetters = federation.setObjectDispatcher(QuoteAuthorization, "/users/{identifier}/stamps/{id}", async (ctx, values) => {
  const uri = ctx.getObjectUri(QuoteAuthorization, values);
  const st = stamps.get(uri.href);
  if (values.identifier !== USER || st == null) return null;
  return new QuoteAuthorization({
    id: uri,
    attribution: ctx.getActorUri(USER),
    interactingObject: new URL(st.interactingObject),
    interactionTarget: new URL(st.interactionTarget),
  });
});
if (SECURE) stampSetters.authorize((ctx) => signedOwner(ctx));

function noteObject(ctx, uri, n) {
  return new Note({
    id: uri,
    attribution: ctx.getActorUri(USER),
    content: n.content,
    published: n.published,
    tos: n.to.map((u) => new URL(u)),
    ccs: [ctx.getFollowersUri(USER)],
    url: uri,
    ...(n.quote ? { quoteUrl: new URL(n.quote) } : {}),
    ...(n.fep044f ? { quote: new URL(n.fep044f) } : {}),
    ...(n.stamp ? { quoteAuthorization: new URL(n.stamp) } : {}),
    ...(n.video
      ? {
          attachments: [new Document({
            mediaType: "video/mp4",
            url: new URL(`${ORIGIN}/media/clip.mp4`),
            name: "a clip from the Fedify peer",
            width: 64,
            height: 48,
          })],
        }
      : {}),
  });
}

// Create and Update alike: the object's content, addressing, attachments and quote fields.
async function created(ctx, create) {
  const object = await create.getObject(ctx);
  // Each attachment as Fedify parsed it; a video's URL is fetched here, as a peer showing it
  // would (unsigned, outside the federation log).
  const attachments = [];
  for await (const a of object?.getAttachments?.() ?? []) {
    const url = a.url instanceof URL ? a.url.href : a.url instanceof Link ? a.url.href?.href : null;
    const entry = { type: a.constructor.name, mediaType: a.mediaType ?? null, url, name: a.name?.toString() ?? null };
    if (url && entry.mediaType?.startsWith("video/")) {
      try {
        const res = await realFetch(url, { signal: AbortSignal.timeout(10000) });
        const body = Buffer.from(await res.arrayBuffer());
        entry.fetched = { status: res.status, contentType: res.headers.get("content-type"), bytes: body.length,
          mp4: body.subarray(4, 8).toString("latin1") === "ftyp" };
      } catch (e) {
        entry.fetched = { error: String(e?.message ?? e) };
      }
    }
    attachments.push(entry);
  }
  log(create, {
    attachments,
    quote: object?.quoteId?.href ?? object?.quoteUrl?.href ?? null,
    quoteAuthorization: object?.quoteAuthorizationId?.href ?? null,
    objectType: object?.constructor.name ?? null,
    content: object?.content?.toString() ?? null,
    to: object ? [...(object.toIds ?? [])].map((u) => u.href) : [],
    cc: object ? [...(object.ccIds ?? [])].map((u) => u.href) : [],
  });
}

function log(activity, extra = {}) {
  received.push({
    type: activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    ...extra,
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    if (follow.objectId?.href !== ctx.getActorUri(USER).href) return;
    const follower = await follow.getActor(ctx);
    if (!isActor(follower) || follower.id == null) return;
    log(follow);
    followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId?.href,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    });
    await ctx.sendActivity(
      { identifier: USER },
      follower,
      new Accept({
        id: new URL(`${ORIGIN}/activities/${randomUUID()}`),
        actor: ctx.getActorUri(USER),
        object: follow,
      }),
    );
  })
  .on(Accept, async (ctx, accept) => {
    // The answer to a QuoteRequest of ours: the object is our request (embedded or by id, so
    // matched by id and never refetched), the result the quoted author's stamp.
    const asked = quoteRequests.get(accept.objectId?.href);
    if (asked) {
      log(accept, { objectType: "QuoteRequest", result: accept.resultId?.href ?? null });
      const n = notes.get(asked.note);
      if (n && accept.resultId) {
        n.stamp = accept.resultId.href;
        const uri = new URL(asked.note);
        await ctx.sendActivity({ identifier: USER }, "followers", new Update({
          id: new URL(`${ORIGIN}/activities/${randomUUID()}`),
          actor: ctx.getActorUri(USER),
          object: noteObject(ctx, uri, n),
          tos: n.to.map((u) => new URL(u)),
          ccs: [ctx.getFollowersUri(USER)],
        }), { preferSharedInbox: true });
        asked.updatedWithStamp = n.stamp;
      }
      return;
    }
    const object = await accept.getObject(ctx);
    log(accept, { objectType: object?.constructor.name ?? null });
    if (object instanceof Follow && object.objectId != null) {
      const f = following.get(object.objectId.href);
      if (f && (object.id?.href === f.followId || object.id == null)) f.accepted = true;
    } else if (accept.actorId != null && following.has(accept.actorId.href)) {
      following.get(accept.actorId.href).accepted = true;
    }
  })
  .on(Create, (ctx, create) => created(ctx, create))
  .on(Update, (ctx, update) => created(ctx, update))
  .on(QuoteRequest, async (ctx, request) => {
    // Every quote of this peer's notes is approved: Accept with a stamp naming both posts.
    log(request, { instrument: request.instrumentId?.href ?? null });
    const target = request.objectId;
    const quoting = request.instrumentId;
    if (target == null || quoting == null || !notes.has(target.href) || request.actorId == null) return;
    const stamp = ctx.getObjectUri(QuoteAuthorization, { identifier: USER, id: randomUUID() });
    stamps.set(stamp.href, { interactingObject: quoting.href, interactionTarget: target.href });
    const requester = await request.getActor(ctx);
    if (!isActor(requester)) return;
    await ctx.sendActivity({ identifier: USER }, requester, new Accept({
      id: new URL(`${ORIGIN}/activities/${randomUUID()}`),
      actor: ctx.getActorUri(USER),
      object: new QuoteRequest({ id: request.id, actor: request.actorId, object: target, instrument: quoting }),
      result: stamp,
    }));
  })
  .on(Undo, async (ctx, undo) => {
    const object = await undo.getObject(ctx);
    log(undo, { objectType: object?.constructor.name ?? null });
    if (object instanceof Follow && undo.actorId != null) followers.delete(undo.actorId.href);
  })
  .on(Activity, async (_ctx, activity) => {
    log(activity);
  });

// --- HTTP --------------------------------------------------------------------------------
async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function control(path, body) {
  const ctx = federation.createContext(new URL(ORIGIN), undefined);
  const loader = await ctx.getDocumentLoader({ identifier: USER });
  const lookup = async (target) => {
    const obj = await ctx.lookupObject(target, { documentLoader: loader });
    if (obj == null) throw new Error(`lookupObject(${target}) found nothing`);
    return obj;
  };
  const me = ctx.getActorUri(USER);
  const sender = { identifier: USER };
  switch (path) {
    case "/_test/follow": {
      const actor = await lookup(body.target);
      if (!isActor(actor)) throw new Error(`${body.target} is not an actor`);
      const id = ctx.getObjectUri(Follow, { id: randomUUID() });
      follows.set(id.href, { actor: me.href, object: actor.id.href });
      following.set(actor.id.href, { followId: id.href, accepted: false });
      await ctx.sendActivity(sender, actor, new Follow({ id, actor: me, object: actor.id }));
      return { follow: id.href };
    }
    case "/_test/unfollow": {
      const actor = await lookup(body.target);
      const f = following.get(actor.id.href);
      if (!f) throw new Error(`not following ${body.target}`);
      following.delete(actor.id.href);
      await ctx.sendActivity(sender, actor, new Undo({
        id: new URL(`${ORIGIN}/activities/${randomUUID()}`),
        actor: me,
        object: new Follow({ id: new URL(f.followId), actor: me, object: actor.id }),
      }));
      return {};
    }
    case "/_test/post": {
      const uuid = randomUUID();
      const uri = ctx.getObjectUri(Note, { identifier: USER, id: uuid });
      const to = [PUBLIC_COLLECTION.href, ...(body.to ?? [])];
      if (body.video) clip(); // fail here, not when Herd fetches it, without ffmpeg
      const n = { content: body.content, published: Temporal.Now.instant(), to, quote: body.quote, video: !!body.video };
      notes.set(uri.href, n);
      const create = new Create({
        id: new URL(`${uri.href}/activity`),
        actor: me,
        object: noteObject(ctx, uri, n),
        tos: to.map((u) => new URL(u)),
        ccs: [ctx.getFollowersUri(USER)],
      });
      // `deliver: false` keeps the note here: Herd can then only read it by fetching it.
      if (body.deliver === false) return { note: uri.href, activity: create.id.href };
      await ctx.sendActivity(sender, "followers", create, { preferSharedInbox: true });
      for (const target of body.to ?? []) {
        if (followers.has(target)) continue;
        await ctx.sendActivity(sender, await lookup(target), create);
      }
      return { note: uri.href, activity: create.id.href };
    }
    case "/_test/quote": {
      const quoted = await lookup(body.object);
      const author = await lookup(quoted.attributionId.href);
      const uri = ctx.getObjectUri(Note, { identifier: USER, id: randomUUID() });
      const to = [PUBLIC_COLLECTION.href];
      const n = { content: body.content, published: Temporal.Now.instant(), to, fep044f: body.object, quote: body.object };
      notes.set(uri.href, n);
      await ctx.sendActivity(sender, "followers", new Create({
        id: new URL(`${uri.href}/activity`),
        actor: me,
        object: noteObject(ctx, uri, n),
        tos: to.map((u) => new URL(u)),
        ccs: [ctx.getFollowersUri(USER)],
      }), { preferSharedInbox: true });
      const requestId = new URL(`${ORIGIN}/activities/${randomUUID()}`);
      quoteRequests.set(requestId.href, { note: uri.href, object: body.object });
      await ctx.sendActivity(sender, author, new QuoteRequest({
        id: requestId,
        actor: me,
        object: new URL(body.object),
        instrument: noteObject(ctx, uri, n),
      }));
      return { note: uri.href, request: requestId.href };
    }
    case "/_test/like":
    case "/_test/unlike": {
      const note = await lookup(body.object);
      const author = await lookup(note.attributionId.href);
      const likeId = likes.get(body.object) ?? `${ORIGIN}/activities/${randomUUID()}`;
      const like = new Like({ id: new URL(likeId), actor: me, object: new URL(body.object) });
      if (path === "/_test/like") {
        likes.set(body.object, likeId);
        await ctx.sendActivity(sender, author, like);
        return { like: likeId };
      }
      likes.delete(body.object);
      await ctx.sendActivity(sender, author, new Undo({
        id: new URL(`${ORIGIN}/activities/${randomUUID()}`),
        actor: me,
        object: like,
      }));
      return {};
    }
    case "/_test/lookup": {
      const obj = await lookup(body.target);
      return await obj.toJsonLd();
    }
    default:
      return undefined;
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, ORIGIN);
    if (url.pathname === "/_test/log" && req.method === "GET") {
      const ctx = federation.createContext(new URL(ORIGIN), undefined);
      const [pair] = await ctx.getActorKeyPairs(USER);
      return json(res, 200, {
        keyId: pair.keyId.href,
        received,
        requests,
        inboxPosts: requests
          .filter((r) => r.method === "POST" && r.path.endsWith("inbox") && !r.probe)
          .map((r) => ({ path: r.path, scheme: r.from, status: r.status })),
        outgoing,
        followers: [...followers.keys()],
        quoteRequests: Object.fromEntries(quoteRequests),
        following: Object.fromEntries(following),
      });
    }
    if (url.pathname === "/media/clip.mp4" && req.method === "GET") {
      const bytes = clip();
      res.writeHead(200, { "content-type": "video/mp4", "content-length": bytes.length });
      return res.end(bytes);
    }
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
    if (url.pathname.startsWith("/_test/") && req.method === "POST") {
      try {
        const out = await control(url.pathname, JSON.parse(body.toString() || "{}"));
        if (out === undefined) return json(res, 404, { error: "unknown control path" });
        return json(res, 200, out);
      } catch (e) {
        console.error(`control ${url.pathname} failed:`, e);
        return json(res, 500, { error: String(e?.message ?? e) });
      }
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
      else if (v != null) headers.set(k, v);
    }
    const request = new Request(url, { method: req.method, headers, body });
    const response = await federation.fetch(request, { contextData: undefined });
    requests.push({
      method: req.method,
      path: url.pathname,
      from: scheme(headers),
      status: response.status,
      probe: headers.has("x-driver-probe"), // the driver's own negative checks
    });
    const out = Buffer.from(await response.arrayBuffer());
    const hs = {};
    response.headers.forEach((v, k) => (hs[k] = v));
    res.writeHead(response.status, hs);
    res.end(out);
  } catch (e) {
    console.error("request failed:", e);
    if (!res.headersSent) json(res, 500, { error: String(e) });
    else res.end();
  }
});

server.listen(PORT, BIND, () => {
  console.log(`fedify peer ${USER} at ${ORIGIN}/users/${USER}${SECURE ? " (authorized fetch)" : ""}`);
});
