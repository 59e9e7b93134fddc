-- The catalog a preview prices against: the same schema as
-- migrations/postgres. An id is unique within its account and environment
-- only; `entity` is the entity's JSON as the API shows it.

create table products (
    account     text not null references accounts (name),
    environment text not null check (environment in ('sandbox', 'live')),
    id          text not null,                     -- pro_<ulid>
    entity      text not null,
    primary key (account, environment, id)
);

create table prices (
    account     text not null,
    environment text not null check (environment in ('sandbox', 'live')),
    id          text not null,                     -- pri_<ulid>
    product_id  text not null,
    entity      text not null,
    primary key (account, environment, id),
    foreign key (account, environment, product_id)
        references products (account, environment, id)
);

-- The account's tax rate per country, as JSON (`{"GB": "0.2"}`); null: none.
alter table accounts add column tax_rates text;
