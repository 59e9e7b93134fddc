-- Accounts keep sellers' data apart, as Paddle does: every API key and every
-- client token belongs to one. Keys made before accounts existed belong to
-- the default account. (SQLite can't add a foreign key to an existing table;
-- paddock creates an account before anything that belongs to it.)
create table accounts (
    name       text primary key,
    created_at text not null
);

insert or ignore into accounts (name, created_at)
select distinct account, strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z' from api_keys;
insert or ignore into accounts (name, created_at)
values ('default', strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z');
