-- A bounded log of recent live events (issues 14 and 16), so a page that lost its live
-- connection replays what it missed (`Last-Event-ID`), whichever node it reconnects to.
-- `id` is a Herd id (time-ordered, unique across nodes) and is the SSE event id; `event` and
-- `streams` are the routed event as JSON (ids and stream names, never rendered content: each
-- node renders it again for its own viewers). Rows older than an hour are pruned; a page
-- whose last id is older than that is told to reload.
CREATE TABLE live_events (
    id BIGINT PRIMARY KEY,
    event TEXT NOT NULL,
    streams TEXT NOT NULL
);
