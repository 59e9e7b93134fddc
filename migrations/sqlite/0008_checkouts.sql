-- The test-mode checkout and what a purchase through it makes: the same
-- schema as migrations/postgres. `entity` is the entity's JSON as the
-- webhooks show it; the other columns are what lookups and the
-- compare-and-set of each write need.

create table customers (
    id          text primary key,      -- ctm_<ulid>
    account     text not null references accounts (name),
    environment text not null check (environment in ('sandbox', 'live')),
    email       text not null,
    entity      text not null
);

create index customers_by_owner on customers (account, environment, id);

create table addresses (
    id          text primary key,      -- add_<ulid>
    account     text not null references accounts (name),
    environment text not null check (environment in ('sandbox', 'live')),
    customer_id text not null references customers (id),
    entity      text not null
);

create index addresses_by_owner on addresses (account, environment, id);

create table transactions (
    id             text primary key,   -- txn_<ulid>
    account        text not null references accounts (name),
    environment    text not null check (environment in ('sandbox', 'live')),
    status         text not null,
    customer_id    text references customers (id),
    address_id     text references addresses (id),
    -- `<n>-<sequence>` once completed: unique per owner, so two checkouts
    -- completing at once can't take one number.
    invoice_number text,
    -- Raised by every write: each write sets it only where it still has
    -- the value it read (compare-and-set).
    revision       integer not null,
    -- When its last webhook event occurred: the next write's come after.
    last_event_at  text,
    entity         text not null,
    unique (account, environment, invoice_number)
);

create index transactions_by_owner on transactions (account, environment, id);

create table checkouts (
    id             text primary key,   -- che_<ulid>
    account        text not null references accounts (name),
    environment    text not null check (environment in ('sandbox', 'live')),
    transaction_id text not null references transactions (id),
    state          text not null check (state in ('open', 'completed', 'closed')),
    revision       integer not null,
    entity         text not null
);

create index checkouts_by_owner on checkouts (account, environment, id);
create index checkouts_by_account on checkouts (account, id);
