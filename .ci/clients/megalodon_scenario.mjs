// megalodon 10.3.0 (npm; the library Whalebird and Fedistar use) daily-use scenario against a
// running herd (issue 3): detect the server kind from NodeInfo as those apps do, register an app,
// take a password-grant token, verify credentials, post with a content warning and in each
// visibility, upload media through /api/v2/media and attach it, post a poll and vote on bob's,
// follow bob, reply / favourite / context / edit, conversations, search v2, markers, page the home
// timeline by max_id, list notifications, and receive an update and a notification over the
// WebSocket streaming API (token in the query, as megalodon sends it); issue 17: upload a video
// (202, polled), a link preview card, a quote (quote_id). No grouped notifications: megalodon
// has no call for them.
//
// Usage: node megalodon_scenario.mjs BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN
import { randomUUID } from "node:crypto";
import { check, CheckError, mp4, png, serveSite, sleep, step as stepWith } from "./scenario_lib.mjs";
import { createReadStream, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// megalodon lives in .ci/node (npm ci --prefix .ci/node); import it by path.
const megalodon = await import(new URL("../node/node_modules/megalodon/lib/esm/index.js", import.meta.url));
const generator = megalodon.default;
const { detector } = megalodon;

const WAIT_MS = 10_000;
const [base, email, password, username, bobToken] = process.argv.slice(2);
if (!bobToken) {
  console.error("usage: node megalodon_scenario.mjs BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN");
  process.exit(2);
}
const run = randomUUID().slice(0, 8);

const step = (name, fn) =>
  stepWith(name, fn, (err) => (err?.response ? `HTTP ${err.response.status} ${JSON.stringify(err.response.data ?? "")}` : null));

console.log(`megalodon scenario against ${base} as ${username} (run ${run})`);
const scopes = ["read", "write", "follow"];
const oob = "urn:ietf:wg:oauth:2.0:oob";

await step("detector(base) reads NodeInfo and says mastodon", async () => {
  const sns = await detector(base);
  check(sns === "mastodon", `detected ${sns}`);
});

const app = await step("registerApp (POST /api/v1/apps) with an authorization URL", async () => {
  const app = await generator("mastodon", base).registerApp("herd-ci-megalodon", { scopes, redirect_uris: oob });
  check(app.client_id && app.client_secret, `no client credentials in ${JSON.stringify(app)}`);
  check(app.url?.startsWith(`${base}/oauth/authorize`), `authorization url ${app.url}`);
  return app;
});

// megalodon has no password grant (apps send users to app.url); the token comes from
// /oauth/token directly, as a script would.
const token = await step("password grant (POST /oauth/token)", async () => {
  const res = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      redirect_uri: oob,
      username: email,
      password,
      scope: scopes.join(" "),
    }),
  });
  const body = await res.json();
  check(res.ok && body.access_token, `token answer ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
});

const client = generator("mastodon", base, token);
const bob = generator("mastodon", base, bobToken);
const bobMe = (await bob.verifyAccountCredentials()).data;

const me = await step("verifyAccountCredentials", async () => {
  const { data } = await client.verifyAccountCredentials();
  check(data.username === username, `username ${data.username}`);
  return data;
});

await step("postStatus with spoiler_text (content warning)", async () => {
  const { data } = await client.postStatus(`megalodon behind a warning ${run}`, { spoiler_text: "cw: megalodon" });
  check(data.spoiler_text === "cw: megalodon", `spoiler_text ${data.spoiler_text}`);
  check(data.sensitive === true, "a status with a content warning is sensitive");
});

const posted = {};
for (const visibility of ["public", "unlisted", "private", "direct"]) {
  await step(`postStatus visibility=${visibility} + getStatus`, async () => {
    const text = visibility === "direct" ? `@bob megalodon ${visibility} ${run}` : `megalodon ${visibility} ${run}`;
    const { data } = await client.postStatus(text, { visibility });
    check(data.visibility === visibility, `visibility came back as ${data.visibility}`);
    const again = (await client.getStatus(data.id)).data;
    check(again.visibility === visibility, `GET /statuses/:id says ${again.visibility}`);
    posted[visibility] = data;
  });
}

await step("uploadMedia (POST /api/v2/media) + getMedia + postStatus with media_ids", async () => {
  // megalodon posts with the form-data package, which wants a file stream (as apps pass).
  const path = join(tmpdir(), `herd-megalodon-${run}.png`);
  writeFileSync(path, png());
  const { data: media } = await client.uploadMedia(createReadStream(path), { description: "a test pattern" });
  unlinkSync(path);
  check(media.type === "image", `media type ${media.type}`);
  const { data: fetched } = await client.getMedia(media.id);
  check(fetched.url && fetched.meta?.original?.width === 8, `media ${JSON.stringify(fetched)}`);
  const { data } = await client.postStatus(`megalodon picture ${run}`, { media_ids: [media.id] });
  check(data.media_attachments.length === 1 && data.media_attachments[0].id === media.id, "attachment missing");
  check(data.media_attachments[0].description === "a test pattern", "description lost");
});

const clip = await mp4();
if (!clip) {
  console.log("  skip video upload: ffmpeg is not installed (.ci/ffmpeg.sh installs it)");
} else {
  await step("uploadMedia of a video (202, url null) + getMedia polled until processed + postStatus", async () => {
    const path = join(tmpdir(), `herd-megalodon-${run}.mp4`);
    writeFileSync(path, clip);
    const { status, data: media } = await client.uploadMedia(createReadStream(path), { description: "a test clip" });
    unlinkSync(path);
    check(status === 202 && media.url === null, `upload answered ${status} with url ${media.url}`);
    const deadline = Date.now() + WAIT_MS;
    let ready;
    for (;;) {
      ready = (await client.getMedia(media.id)).data;
      if (ready.url) break;
      check(Date.now() < deadline, `video ${media.id} not processed within ${WAIT_MS} ms`);
      await sleep(200);
    }
    check(ready.type === "video" && ready.preview_url, `media ${JSON.stringify(ready)}`);
    check(ready.meta?.original?.width === 64, `meta ${JSON.stringify(ready.meta)}`);
    const { data } = await client.postStatus(`megalodon clip ${run}`, { media_ids: [media.id] });
    check(data.media_attachments[0]?.type === "video", "the status has no video");
  });
}

await step("link preview card: a post linking a local page gets its card (getStatus)", async () => {
  const link = `${await serveSite()}/article/${run}`;
  const { data: s } = await client.postStatus(`megalodon reads ${link}`, { visibility: "public" });
  const deadline = Date.now() + WAIT_MS;
  let card;
  for (;;) {
    card = (await client.getStatus(s.id)).data.card;
    if (card) break;
    check(Date.now() < deadline, `no card on ${s.id} within ${WAIT_MS} ms`);
    await sleep(200);
  }
  check(card.url === link && card.title === `Article ${run}` && card.type === "link", `card ${JSON.stringify(card)}`);
  check(card.image?.startsWith(base), `card image ${card.image}`);
});

await step("quote post: postStatus({quote_id}) sends quoted_status_id; the quote is accepted", async () => {
  const { data: original } = await bob.postStatus(`bob's words for megalodon ${run}`, { visibility: "public" });
  const { data: q } = await client.postStatus(`megalodon quotes bob ${run}`, { quote_id: original.id });
  check(q.quote?.state === "accepted" && q.quote.quoted_status?.id === original.id, `quote ${JSON.stringify(q.quote)}`);
});

// Grouped notifications (/api/v2/notifications): megalodon 10.3.0 has no method for them (its
// getNotifications is v1 only); Mastodon.py and masto cover them.

await step("postStatus with a poll; votePoll on bob's (multiple)", async () => {
  const { data } = await client.postStatus(`megalodon poll ${run}`, {
    poll: { options: ["tea", "coffee", "water"], expires_in: 3600, hide_totals: true },
  });
  check(data.poll && data.poll.options.map((o) => o.title).join() === "tea,coffee,water", `poll ${JSON.stringify(data.poll)}`);
  check(data.poll.expired === false, "new poll is expired");
  const theirs = (await bob.postStatus(`bob polls megalodon ${run}`, { poll: { options: ["yes", "no"], expires_in: 3600, multiple: true } })).data;
  const { data: poll } = await client.votePoll(theirs.poll.id, [0, 1]);
  check(poll.voted === true, "not voted");
  check(JSON.stringify(poll.own_votes) === "[0,1]", `own_votes ${JSON.stringify(poll.own_votes)}`);
});

await step("lookupAccount('bob') + followAccount + getRelationships", async () => {
  const { data: target } = await client.lookupAccount("bob");
  check(target.id === bobMe.id, "lookup found another account");
  const { data: rel } = await client.followAccount(target.id);
  check(rel.following === true, `relationship ${JSON.stringify(rel)}`);
  const { data: rels } = await client.getRelationships([target.id]);
  check(rels[0]?.following === true, `relationships says ${JSON.stringify(rels)}`);
});

await step("reply, favouriteStatus, getStatusContext, editStatus, conversations, search, markers", async () => {
  const { data: target } = await bob.postStatus(`bob says to megalodon ${run}`);
  const { data: reply } = await client.postStatus(`@bob megalodon reply ${run}`, { in_reply_to_id: target.id });
  check(reply.in_reply_to_id === target.id, "reply has no in_reply_to_id");
  const { data: fav } = await client.favouriteStatus(target.id);
  check(fav.favourited === true && fav.favourites_count === 1, `favourite ${fav.favourited} ${fav.favourites_count}`);
  const { data: ctx } = await client.getStatusContext(reply.id);
  check(ctx.ancestors.map((a) => a.id).join() === target.id, `ancestors ${ctx.ancestors.map((a) => a.id)}`);
  const { data: edited } = await client.editStatus(reply.id, { status: `@bob megalodon edited ${run}`, spoiler_text: "now with cw" });
  check(edited.spoiler_text === "now with cw" && edited.edited_at, "edit not applied");
  const { data: convs } = await client.getConversationTimeline();
  check(convs.some((c) => c.last_status?.id === posted.direct.id), "the direct post is not in conversations");
  const { data: found } = await client.search("bob", { type: "accounts" });
  check(found.accounts.some((a) => a.id === bobMe.id), "search does not find bob");
  await client.saveMarkers({ home: { last_read_id: reply.id } });
  const { data: markers } = await client.getMarkers(["home"]);
  check(markers.home?.last_read_id === reply.id, `markers ${JSON.stringify(markers)}`);
});

const seen = [];
let pages = 0;
await step("getHomeTimeline({limit: 3}) paged by max_id", async () => {
  let maxId;
  for (;;) {
    const { data: page } = await client.getHomeTimeline({ limit: 3, ...(maxId ? { max_id: maxId } : {}) });
    check(page.length <= 3, `a page of ${page.length} with limit 3`);
    if (page.length === 0) break;
    seen.push(...page.map((s) => s.id));
    maxId = page[page.length - 1].id;
    if (++pages >= 10) break;
  }
  check(pages >= 3, `only ${pages} page(s)`);
  check(new Set(seen).size === seen.length, "pages overlap");
  for (const v of ["public", "unlisted", "private", "direct"]) {
    check(seen.includes(posted[v].id), `own ${v} status missing from home`);
  }
});

await step("getNotifications: bob mentions us -> a mention notification", async () => {
  const { data: mention } = await bob.postStatus(`@${username} hi megalodon ${run}`);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const { data: list } = await client.getNotifications({ limit: 10, exclude_types: ["follow", "favourite", "reblog"] });
    const hit = list.find((n) => n.status?.id === mention.id);
    if (hit) {
      check(hit.type === "mention", `type ${hit.type}`);
      check(hit.account.id === bobMe.id, "the notification is not from bob");
      break;
    }
    check(Date.now() < deadline, `no mention notification for ${mention.id}`);
    await sleep(200);
  }
});

await step("userStreaming (WebSocket, token in the query): bob's post and his favourite arrive", async () => {
  const stream = await client.userStreaming();
  try {
    const events = [];
    let wake = () => {};
    const record = (kind) => (payload) => {
      events.push({ kind, payload });
      wake();
    };
    stream.on("update", record("update"));
    stream.on("notification", record("notification"));
    stream.on("error", (err) => events.push({ kind: "error", payload: err }));
    const waitFor = async (what, pred) => {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        check(Date.now() < deadline, `${what}: not within ${WAIT_MS} ms (events: ${events.map((e) => e.kind)})`);
        await Promise.race([new Promise((r) => (wake = r)), sleep(200)]);
      }
    };
    await new Promise((resolve, reject) => {
      stream.once("connect", resolve);
      setTimeout(() => reject(new CheckError("WebSocket did not connect within 5000 ms")), 5000).unref();
    });
    const marker = `megalodon streamed ${run}`;
    await bob.postStatus(marker);
    const update = await waitFor("update event", (e) => e.kind === "update" && e.payload.content.includes(marker));
    check(update.payload.account.id === bobMe.id, "the streamed status is not bob's");
    await bob.favouriteStatus(posted.public.id);
    const note = await waitFor(
      "favourite notification event",
      (e) => e.kind === "notification" && e.payload.type === "favourite" && e.payload.status?.id === posted.public.id,
    );
    check(note.payload.account.id === bobMe.id, "the streamed notification is not from bob");
  } finally {
    stream.stop();
  }
});

console.log(
  `megalodon scenario: @${me.acct} posted CW + 4 visibilities + media + poll, voted, followed @${bobMe.acct}, ` +
    `paged home (${seen.length} statuses in ${pages} pages), got a mention, a streamed update and a streamed notification`,
);
process.exit(0);
