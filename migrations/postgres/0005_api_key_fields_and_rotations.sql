-- API keys as Paddle describes them: a name, a description, whether they may
-- rotate, when they were last used or found exposed, and when they changed.
-- Keys stored before this get a generic name, no description, and can't
-- rotate (Paddle fixes `rotatable` when a key is made).
-- Ids in byte order, so that lists walk them in creation order.
alter table api_keys alter column id type text collate "C";
alter table api_keys add column name text not null default 'API key';
alter table api_keys add column description text;
alter table api_keys add column rotatable boolean not null default false;
alter table api_keys add column exposed_at timestamptz;
alter table api_keys add column last_used_at timestamptz;
alter table api_keys add column updated_at timestamptz;
update api_keys set updated_at = created_at;
alter table api_keys alter column updated_at set not null;
-- After a rotation completes, the old secret's digest and the end of its
-- grace period.
alter table api_keys add column previous_key_hash text;
alter table api_keys add column previous_key_valid_until timestamptz;
-- The `expires_at` for which api_key.expiring / api_key.expired went out, so
-- that each is sent once per expiry, even with several replicas sweeping.
alter table api_keys add column expiring_notified_for timestamptz;
alter table api_keys add column expired_notified_for timestamptz;

create index api_keys_by_owner on api_keys (account, environment, id);

-- Rotations of a key's secret. The new key is kept encrypted (see
-- src/secrets.rs), since Paddle returns it on every read of the rotation;
-- authentication uses only its digest.
create table api_key_rotations (
    id                   text collate "C" primary key,   -- apkrot_<ulid>
    api_key_id           text not null references api_keys (id),
    new_key              text not null,
    new_key_hash         text not null,
    grace_period_seconds integer not null,
    status               text not null check (status in ('pending', 'completed', 'canceled')),
    new_key_expires_at   timestamptz,
    expires_at           timestamptz,
    created_at           timestamptz not null,
    updated_at           timestamptz not null
);

create index api_key_rotations_by_key on api_key_rotations (api_key_id, id);
-- At most one pending rotation per key: a newer one cancels it.
create unique index api_key_rotations_pending on api_key_rotations (api_key_id)
    where status = 'pending';
