-- The same schema as migrations/postgres. Timestamps are TEXT in the API's
-- own form (2025-06-27T11:26:10.253482Z), which sorts like the instants.

-- API keys. Only a SHA-256 digest of each key is kept.
create table api_keys (
    id          text primary key,              -- apikey_<ulid>, the ulid embedded in the key
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    permissions text not null,                 -- comma-separated, e.g. client_token.read
    key_hash    text not null,                 -- hex SHA-256 of the whole key
    revoked     integer not null default 0,
    expires_at  text,
    created_at  text not null
);

-- Client-side tokens; ids are lowercase ULIDs, so id order is creation order.
create table client_tokens (
    id          text primary key,
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    token       text not null constraint client_tokens_token_key unique,
    name        text not null,
    description text,
    status      text not null check (status in ('active', 'revoked')),
    revoked_at  text,
    created_at  text not null,
    updated_at  text not null
);

create index client_tokens_listing on client_tokens (account, environment, status, id);
