-- ActivityPub federation: signing keys, what we know of remote actors, processed inbox
-- activities (idempotence), and the activity ids of follows (to match Accept and Undo).

-- Signing keys (RSA-2048, PEM). `owner` is a local account id as text, `instance` for the
-- instance actor, `coop` for the co-op's Group actor. Generated on first need. The private
-- key never leaves the database; anyone who can read the database can sign as the instance.
CREATE TABLE actor_keys (
    owner TEXT PRIMARY KEY,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Remote actors: the delivery endpoints and public key of an accounts row with a domain.
CREATE TABLE remote_actors (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    followers TEXT,
    outbox TEXT,
    key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    avatar_url TEXT,
    fetched_at BIGINT NOT NULL
);
CREATE INDEX remote_actors_key ON remote_actors (key_id);

-- Activity ids already processed by the inbox: a replay is answered 202 and ignored.
CREATE TABLE inbox_activities (
    activity_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- The id of the Follow activity behind a follow or a pending request.
ALTER TABLE follows ADD COLUMN uri TEXT;
ALTER TABLE follow_requests ADD COLUMN uri TEXT;
