-- API keys. Only a SHA-256 digest of each key is kept: the key itself is
-- shown once, when it is made, and can't be read back.
create table api_keys (
    id          text primary key,              -- apikey_<ulid>, the ulid embedded in the key
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    permissions text not null,                 -- comma-separated, e.g. client_token.read
    key_hash    text not null,                 -- hex SHA-256 of the whole key
    revoked     boolean not null default false,
    expires_at  timestamptz,
    created_at  timestamptz not null
);

-- Client-side tokens. Ids are lowercase ULIDs, so byte order ("C" collation)
-- is creation order, and cursor pagination walks the primary key.
create table client_tokens (
    id          text collate "C" primary key,
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    token       text not null constraint client_tokens_token_key unique,
    name        text not null,
    description text,
    status      text not null check (status in ('active', 'revoked')),
    revoked_at  timestamptz,
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);

create index client_tokens_listing on client_tokens (account, environment, status, id);
