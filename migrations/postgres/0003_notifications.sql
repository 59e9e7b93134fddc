-- Notifications (webhooks). An event is written in the same transaction as
-- the change it reports, with one delivery per subscribed setting: the
-- outbox. A crash never loses an event nor invents one.

create table notification_settings (
    id                text primary key,            -- ntfset_<ulid>
    account           text not null references accounts (name),
    environment       text not null check (environment in ('sandbox', 'live')),
    destination       text not null,               -- the URL notifications are POSTed to
    subscribed_events text not null,               -- comma-separated event types
    active            boolean not null,
    secret            text not null,               -- the signing secret, encrypted (see src/secrets.rs)
    created_at        timestamptz not null,
    updated_at        timestamptz not null
);

create table events (
    id          text collate "C" primary key,      -- evt_<ulid>
    account     text not null references accounts (name),
    environment text not null check (environment in ('sandbox', 'live')),
    event_type  text not null,
    occurred_at timestamptz not null,
    data        text not null                      -- the entity's JSON, exactly as sent
);

create index events_by_account on events (account, id);

create table deliveries (
    notification_id         text primary key,      -- ntf_<ulid>
    event_id                text not null references events (id) on delete cascade,
    notification_setting_id text not null references notification_settings (id) on delete cascade,
    status                  text not null check (status in ('pending', 'delivered', 'failed')),
    attempts                integer not null,
    next_attempt_at         timestamptz,           -- when pending: due from then
    lease_until             timestamptz,           -- a sender has it until then
    last_response_code      integer,
    last_error              text,
    delivered_at            timestamptz,
    created_at              timestamptz not null
);

create index deliveries_due on deliveries (status, next_attempt_at);
create index deliveries_by_setting on deliveries (notification_setting_id, created_at);
