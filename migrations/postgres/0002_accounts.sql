-- Accounts keep sellers' data apart, as Paddle does: every API key and every
-- client token belongs to one. Keys made before accounts existed belong to
-- the default account.
create table accounts (
    name       text primary key,
    created_at timestamptz not null
);

insert into accounts (name, created_at)
select distinct account, now() from api_keys
union
select 'default', now()
on conflict do nothing;

alter table api_keys
    add constraint api_keys_account_fkey foreign key (account) references accounts (name);
alter table client_tokens
    add constraint client_tokens_account_fkey foreign key (account) references accounts (name);
