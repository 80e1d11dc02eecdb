// masto 7.12.0 (npm; the library Elk and Phanpy use) daily-use scenario against a running herd
// (issue 3): register an app and take a password-grant token (masto sends JSON to /oauth/token),
// verifyCredentials, post with a content warning and in each visibility, upload media through
// /api/v2/media (masto then polls GET /api/v1/media/:id) and attach it, post a poll and vote on
// bob's, follow bob, page the home timeline with the async iterator (Link next), list
// notifications, and receive an update over the WebSocket streaming API (token as subprotocol);
// issue 17: upload a video (202, polled), a link preview card, a quote with its policy, and
// grouped notifications (v2.notifications).
//
// Usage: node masto_scenario.mjs BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN
import { randomUUID } from "node:crypto";
import { check, CheckError, mp4, png, serveSite, sleep, step as stepWith } from "./scenario_lib.mjs";

// masto lives in .ci/node (npm install --prefix .ci/node), which Node's resolution from this
// folder would not search; import it by path.
const { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } = await import(
  new URL("../node/node_modules/masto/dist/esm/index.js", import.meta.url)
);

const WAIT_MS = 10_000;
const [base, email, password, username, bobToken] = process.argv.slice(2);
if (!bobToken) {
  console.error("usage: node masto_scenario.mjs BASE_URL EMAIL PASSWORD USERNAME BOB_TOKEN");
  process.exit(2);
}
const run = randomUUID().slice(0, 8);

const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new CheckError(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

const step = (name, fn) =>
  stepWith(name, fn, (err) => (err?.statusCode ? `HTTP ${err.statusCode} ${JSON.stringify(err.description ?? "")}` : null));

console.log(`masto scenario against ${base} as ${username} (run ${run})`);
const scopes = "read write follow";
const oob = "urn:ietf:wg:oauth:2.0:oob";

const anon = createRestAPIClient({ url: base, timeout: WAIT_MS });
const app = await step("v1.apps.create (POST /api/v1/apps, JSON)", async () => {
  const app = await anon.v1.apps.create({ clientName: "herd-ci-masto", redirectUris: oob, scopes });
  check(app.clientId && app.clientSecret, `no client credentials in ${JSON.stringify(app)}`);
  return app;
});
const token = await step("oauth token.create grant_type=password (POST /oauth/token, JSON)", async () => {
  const oauth = createOAuthAPIClient({ url: base, timeout: WAIT_MS });
  const token = await oauth.token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: oob,
    username: email,
    password,
    scope: scopes,
  });
  check(token.accessToken, "no access token");
  check(token.tokenType?.toLowerCase() === "bearer", `token type ${token.tokenType}`);
  return token.accessToken;
});

const masto = createRestAPIClient({ url: base, accessToken: token, timeout: WAIT_MS, mediaTimeout: WAIT_MS });
const bob = createRestAPIClient({ url: base, accessToken: bobToken, timeout: WAIT_MS });
const bobMe = await bob.v1.accounts.verifyCredentials();

const me = await step("v1.accounts.verifyCredentials", async () => {
  const me = await masto.v1.accounts.verifyCredentials();
  check(me.username === username, `username ${me.username}`);
  return me;
});

await step("v1.statuses.create with spoilerText (content warning)", async () => {
  const s = await masto.v1.statuses.create({ status: `masto behind a warning ${run}`, spoilerText: "cw: masto" });
  check(s.spoilerText === "cw: masto", `spoilerText ${s.spoilerText}`);
  check(s.sensitive === true, "a status with a content warning is sensitive");
});

const posted = {};
for (const visibility of ["public", "unlisted", "private", "direct"]) {
  await step(`v1.statuses.create visibility=${visibility}`, async () => {
    const text = visibility === "direct" ? `@bob masto ${visibility} ${run}` : `masto ${visibility} ${run}`;
    const s = await masto.v1.statuses.create({ status: text, visibility, inReplyToId: null });
    check(s.visibility === visibility, `visibility came back as ${s.visibility}`);
    const again = await masto.v1.statuses.$select(s.id).fetch();
    check(again.visibility === visibility, `GET /statuses/:id says ${again.visibility}`);
    posted[visibility] = s;
  });
}

await step("v2.media.create (multipart; masto polls GET /api/v1/media/:id) + status with mediaIds", async () => {
  const file = new Blob([png()], { type: "image/png" });
  const media = await masto.v2.media.create({ file, description: "a test pattern" });
  check(media.type === "image", `media type ${media.type}`);
  check(media.url, "processed media has no url");
  check(media.meta?.original?.width === 8, `meta.original ${JSON.stringify(media.meta)}`);
  const s = await masto.v1.statuses.create({ status: `masto picture ${run}`, mediaIds: [media.id] });
  check(s.mediaAttachments.length === 1 && s.mediaAttachments[0].id === media.id, "attachment missing");
  check(s.mediaAttachments[0].description === "a test pattern", "description lost");
});

const clip = await mp4();
if (!clip) {
  console.log("  skip video upload: ffmpeg is not installed (.ci/ffmpeg.sh installs it)");
} else {
  await step("v2.media.create of a video (202, url null; masto polls until processed) + status", async () => {
    const media = await masto.v2.media.create({ file: new Blob([clip], { type: "video/mp4" }), description: "a test clip" });
    check(media.type === "video" && media.url && media.previewUrl, `media ${JSON.stringify(media)}`);
    check(media.meta?.original?.width === 64 && media.meta?.fps === 10, `meta ${JSON.stringify(media.meta)}`);
    const s = await masto.v1.statuses.create({ status: `masto clip ${run}`, mediaIds: [media.id] });
    check(s.mediaAttachments[0]?.type === "video", "the status has no video");
  });
}

await step("link preview card: a post linking a local page gets its card; statuses.$select(id).card.fetch()", async () => {
  const link = `${await serveSite()}/article/${run}`;
  const s = await masto.v1.statuses.create({ status: `masto reads ${link}` });
  const deadline = Date.now() + WAIT_MS;
  let card;
  for (;;) {
    card = (await masto.v1.statuses.$select(s.id).fetch()).card;
    if (card) break;
    check(Date.now() < deadline, `no card on ${s.id} within ${WAIT_MS} ms`);
    await sleep(200);
  }
  check(card.url === link && card.title === `Article ${run}` && card.type === "link", `card ${JSON.stringify(card)}`);
  check(card.image?.startsWith(base) && card.providerName === "Scenario News", `card ${JSON.stringify(card)}`);
  const deprecated = await masto.v1.statuses.$select(s.id).card.fetch();
  check(deprecated.url === link, `GET /api/v1/statuses/:id/card ${JSON.stringify(deprecated)}`);
});

await step("quote post: statuses.create({quotedStatusId, quoteApprovalPolicy}) + $select(id).quotes.list()", async () => {
  const original = await bob.v1.statuses.create({ status: `bob's words for masto ${run}` });
  const q = await masto.v1.statuses.create({ status: `masto quotes bob ${run}`, quotedStatusId: original.id, quoteApprovalPolicy: "nobody" });
  check(q.quote?.state === "accepted" && q.quote.quotedStatus?.id === original.id, `quote ${JSON.stringify(q.quote)}`);
  check(q.quoteApproval?.automatic?.length === 0, `our own quote policy 'nobody': ${JSON.stringify(q.quoteApproval)}`);
  const quotes = await bob.v1.statuses.$select(original.id).quotes.list();
  check(quotes.map((s) => s.id).join() === q.id, `quotes of bob's post: ${quotes.map((s) => s.id)}`);
  // Nobody may quote ours: bob's attempt is refused with 422.
  const refused = await bob.v1.statuses.create({ status: "quoting masto", quotedStatusId: q.id }).then(
    () => null,
    (err) => err,
  );
  check(refused?.statusCode === 422, `bob quoting a 'nobody' post: ${refused?.statusCode ?? "accepted"}`);
});

await step("v1.statuses.create with a poll (JSON)", async () => {
  const s = await masto.v1.statuses.create({
    status: `masto poll ${run}`,
    poll: { options: ["tea", "coffee", "water"], expiresIn: 3600, hideTotals: true },
  });
  check(s.poll && s.poll.options.map((o) => o.title).join() === "tea,coffee,water", `poll ${JSON.stringify(s.poll)}`);
  // hide_totals: while the poll runs, the author still sees counts only as null per option.
  check(s.poll.expired === false, "new poll is expired");
});

await step("v1.polls.$select(id).votes.create on bob's poll", async () => {
  const theirs = await bob.v1.statuses.create({
    status: `bob polls masto ${run}`,
    poll: { options: ["yes", "no"], expiresIn: 3600, multiple: true },
  });
  const poll = await masto.v1.polls.$select(theirs.poll.id).votes.create({ choices: [0, 1] });
  check(poll.voted === true, "not voted");
  check(JSON.stringify(poll.ownVotes) === "[0,1]", `ownVotes ${JSON.stringify(poll.ownVotes)}`);
});

await step("v1.accounts.lookup('bob') + $select(id).follow()", async () => {
  const target = await masto.v1.accounts.lookup({ acct: "bob" });
  check(target.id === bobMe.id, "lookup found another account");
  const rel = await masto.v1.accounts.$select(target.id).follow();
  check(rel.following === true, `relationship ${JSON.stringify(rel)}`);
  const [r] = await masto.v1.accounts.relationships.fetch({ id: [target.id] });
  check(r.following === true, `relationships says ${JSON.stringify(r)}`);
});

await step("reply, favourite, context, edit (PUT) + history, conversations, search v2, markers", async () => {
  const target = await bob.v1.statuses.create({ status: `bob says to masto ${run}` });
  const reply = await masto.v1.statuses.create({ status: `@bob masto reply ${run}`, inReplyToId: target.id });
  check(reply.inReplyToId === target.id, "reply has no inReplyToId");
  const fav = await masto.v1.statuses.$select(target.id).favourite();
  check(fav.favourited === true && fav.favouritesCount === 1, `favourite ${fav.favourited} ${fav.favouritesCount}`);
  const ctx = await masto.v1.statuses.$select(reply.id).context.fetch();
  check(ctx.ancestors.map((a) => a.id).join() === target.id, `ancestors ${ctx.ancestors.map((a) => a.id)}`);
  const edited = await masto.v1.statuses.$select(reply.id).update({ status: `@bob masto edited ${run}`, spoilerText: "now with cw" });
  check(edited.spoilerText === "now with cw" && edited.editedAt, "edit not applied");
  const history = await masto.v1.statuses.$select(reply.id).history.list();
  check(history.length === 2, `history has ${history.length} versions`);
  const convs = await masto.v1.conversations.list();
  check(convs.some((c) => c.lastStatus?.id === posted.direct.id), "the direct post is not in conversations");
  const found = await masto.v2.search.list({ q: "bob", type: "accounts" });
  check(found.accounts.some((a) => a.id === bobMe.id), "search v2 does not find bob");
  await masto.v1.markers.create({ home: { lastReadId: reply.id } });
  const markers = await masto.v1.markers.fetch({ timeline: ["home"] });
  check(markers.home?.lastReadId === reply.id, `markers ${JSON.stringify(markers)}`);
});

let seen = [];
let pages = 0;
await step("v1.timelines.home.list({limit: 3}) paged with the async iterator (Link next)", async () => {
  for await (const page of masto.v1.timelines.home.list({ limit: 3 })) {
    check(page.length <= 3, `a page of ${page.length} with limit 3`);
    seen.push(...page.map((s) => s.id));
    if (++pages >= 10) break;
  }
  check(pages >= 3, `only ${pages} page(s)`);
  check(new Set(seen).size === seen.length, "pages overlap");
  for (const v of ["public", "unlisted", "private", "direct"]) {
    check(seen.includes(posted[v].id), `own ${v} status missing from home`);
  }
});

await step("v1.notifications.list: bob mentions us -> a mention notification", async () => {
  const mention = await bob.v1.statuses.create({ status: `@${username} hi masto ${run}` });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const list = await masto.v1.notifications.list({ types: ["mention"], limit: 10 });
    const hit = list.find((n) => n.status?.id === mention.id);
    if (hit) {
      check(hit.account.id === bobMe.id, "the notification is not from bob");
      break;
    }
    check(Date.now() < deadline, `no mention notification for ${mention.id}`);
    await sleep(200);
  }
});

await step("createStreamingAPIClient: user stream over WebSocket receives bob's post and his favourite", async () => {
  const instance = await masto.v2.instance.fetch();
  const streamingApiUrl = instance.configuration.urls.streaming;
  check(streamingApiUrl?.startsWith("ws"), `configuration.urls.streaming is ${streamingApiUrl}`);
  const streaming = createStreamingAPIClient({ streamingApiUrl, accessToken: token, retry: false });
  try {
    await withTimeout(streaming.prepare(), 5000, "WebSocket connection");
    const sub = streaming.user.subscribe();
    const marker = `masto streamed ${run}`;
    const events = [];
    let wake = () => {};
    const reader = (async () => {
      for await (const event of sub) {
        events.push(event);
        wake();
      }
    })();
    const waitEvent = async (what, pred) => {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        check(Date.now() < deadline, `${what}: not within ${WAIT_MS} ms`);
        await Promise.race([new Promise((r) => (wake = r)), sleep(200), reader]);
      }
    };
    // The subscribe frame goes out asynchronously after the connection is up; give it a moment
    // to reach the server before bob posts.
    await sleep(300);
    await bob.v1.statuses.create({ status: marker });
    const event = await waitEvent(
      "update event on the user stream",
      (e) => e.event === "update" && e.payload.content.includes(marker),
    );
    check(event.payload.account.id === bobMe.id, "the streamed status is not bob's");
    check(event.stream.includes("user"), `stream is ${JSON.stringify(event.stream)}`);
    // And a notification event: bob favourites our public post.
    await bob.v1.statuses.$select(posted.public.id).favourite();
    const note = await waitEvent(
      "favourite notification event on the user stream",
      (e) => e.event === "notification" && e.payload.type === "favourite" && e.payload.status?.id === posted.public.id,
    );
    check(note.payload.account.id === bobMe.id, "the streamed notification is not from bob");
    sub.unsubscribe();
  } finally {
    streaming.close();
  }
});

await step("v2.notifications (grouped): bob's favourite as a group; $select(key).fetch, .accounts.fetch, unreadCount", async () => {
  const page = await masto.v2.notifications.list({ types: ["favourite", "mention"], groupedTypes: ["favourite"] });
  const group = page.notificationGroups.find((g) => g.type === "favourite" && g.statusId === posted.public.id);
  check(group, `no favourite group: ${JSON.stringify(page.notificationGroups)}`);
  check(group.sampleAccountIds.includes(bobMe.id) && group.notificationsCount >= 1, `group ${JSON.stringify(group)}`);
  check(page.accounts.some((a) => a.id === bobMe.id), "bob is not among the accounts");
  check(page.statuses.some((s) => s.id === posted.public.id), "the status is not among the statuses");
  const one = await masto.v2.notifications.$select(group.groupKey).fetch();
  check(one.notificationGroups.map((g) => g.groupKey).join() === group.groupKey, `one group ${JSON.stringify(one.notificationGroups)}`);
  const who = await masto.v2.notifications.$select(group.groupKey).accounts.fetch();
  check(who.map((a) => a.id).join() === bobMe.id, `accounts ${who.map((a) => a.id)}`);
  const { count } = await masto.v2.notifications.unreadCount.fetch();
  check(Number.isInteger(count) && count >= 1, `unread count ${count}`);
  const missing = await masto.v2.notifications.$select("favourite-no-such-group").fetch().then(() => null, (err) => err);
  check(missing?.statusCode === 404, `an unknown group key: ${missing?.statusCode ?? "answered"}`);
});

console.log(
  `masto scenario: @${me.acct} posted CW + 4 visibilities + media + poll, voted, followed @${bobMe.acct}, ` +
    `paged home (${seen.length} statuses in ${pages} pages), got a mention, a streamed update and a streamed notification over WebSocket`,
);
process.exit(0);
