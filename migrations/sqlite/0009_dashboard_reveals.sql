-- Secrets the dashboard shows once (a new API key, a notification setting's
-- secret, a rotation's new key): kept encrypted (see src/secrets.rs) between
-- the POST that made them and the one page that shows them, and deleted as
-- that page reads them, so any replica can show it and none can show it twice.
create table dashboard_reveals (
    id          text primary key,      -- random, in the page's URL (never the secret)
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    sealed      text not null,         -- what the page shows, encrypted
    created_at  text not null
);

create index dashboard_reveals_by_age on dashboard_reveals (created_at);
