-- The row paddock writes for POST /client-tokens, as one INSERT.
insert into client_tokens (id, account, environment, token, name, description, status, revoked_at, created_at, updated_at)
values ('ctkn_' || substr(md5(random()::text), 1, 26), 'default', 'sandbox', 'test_' || substr(md5(random()::text), 1, 27),
        'bench', null, 'active', null, now(), now());
