-- Link preview cards (Mastodon's PreviewCard), cached per URL, and which status shows which.
--
-- A status's first link that is not a mention or a hashtag is fetched by a queued job
-- (`services::cards`) through the SSRF guard; the page's OpenGraph / Twitter / oEmbed data
-- become one row here, shared by every status that links the same URL.
--
-- state: 'ready' (a card to show) or 'failed' (the page could not be fetched or was not HTML;
--   no card, and nothing is fetched again before `fetched_at` + a day).
-- kind: link | photo | video | rich (`type` on the wire).
-- html: oEmbed `rich` / `video` markup after sanitising (an https iframe at most), else ''.
-- image_key: the card's image as a local preview in the media store ('' for none);
--   image_width / image_height: its size; blurhash: its blurhash.
-- author_account_id: the `fediverse:creator` of the page, when it names an account known
--   here that may be credited for a page of that host.
-- published_at: epoch microseconds, from `article:published_time`.
-- fetched_at: the last fetch (a ready card older than two weeks is fetched again).
CREATE TABLE preview_cards (
    id BIGINT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'link',
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    width BIGINT NOT NULL DEFAULT 0,
    height BIGINT NOT NULL DEFAULT 0,
    image_key TEXT NOT NULL DEFAULT '',
    image_width BIGINT NOT NULL DEFAULT 0,
    image_height BIGINT NOT NULL DEFAULT 0,
    image_description TEXT NOT NULL DEFAULT '',
    blurhash TEXT,
    embed_url TEXT NOT NULL DEFAULT '',
    language TEXT,
    published_at BIGINT,
    author_account_id BIGINT,
    fetched_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The card a status shows (one at most, as in Mastodon).
CREATE TABLE status_cards (
    status_id BIGINT PRIMARY KEY,
    card_id BIGINT NOT NULL,
    url TEXT NOT NULL
);
CREATE INDEX status_cards_card ON status_cards (card_id);
