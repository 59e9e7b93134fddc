-- The catalog a preview prices against: products and their prices, per
-- account and environment, loaded through the admin API. An id is unique
-- within its account and environment only, so that each test suite's
-- account can hold the price ids its frontend hard-codes. `entity` is the
-- entity's JSON as the API shows it; the other columns are what lookups
-- need.

create table products (
    account     text not null references accounts (name),
    environment text not null check (environment in ('sandbox', 'live')),
    id          text collate "C" not null,         -- pro_<ulid>
    entity      text not null,
    primary key (account, environment, id)
);

create table prices (
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    id          text collate "C" not null,         -- pri_<ulid>
    product_id  text collate "C" not null,
    entity      text not null,
    primary key (account, environment, id),
    foreign key (account, environment, product_id)
        references products (account, environment, id)
);

-- The account's tax rate per country, as JSON (`{"GB": "0.2"}`); null: none.
alter table accounts add column tax_rates text;
