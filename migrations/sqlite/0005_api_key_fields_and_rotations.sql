-- The same schema as migrations/postgres.
alter table api_keys add column name text not null default 'API key';
alter table api_keys add column description text;
alter table api_keys add column rotatable integer not null default 0;
alter table api_keys add column exposed_at text;
alter table api_keys add column last_used_at text;
-- SQLite can't add a NOT NULL column without a constant default; paddock
-- always writes it, and this fills in the keys stored before.
alter table api_keys add column updated_at text not null default '';
update api_keys set updated_at = created_at;
alter table api_keys add column previous_key_hash text;
alter table api_keys add column previous_key_valid_until text;
alter table api_keys add column expiring_notified_for text;
alter table api_keys add column expired_notified_for text;

create index api_keys_by_owner on api_keys (account, environment, id);

create table api_key_rotations (
    id                   text primary key,               -- apkrot_<ulid>
    api_key_id           text not null references api_keys (id),
    new_key              text not null,
    new_key_hash         text not null,
    grace_period_seconds integer not null,
    status               text not null check (status in ('pending', 'completed', 'canceled')),
    new_key_expires_at   text,
    expires_at           text,
    created_at           text not null,
    updated_at           text not null
);

create index api_key_rotations_by_key on api_key_rotations (api_key_id, id);
create unique index api_key_rotations_pending on api_key_rotations (api_key_id)
    where status = 'pending';
