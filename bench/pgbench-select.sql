-- The primary-key read behind GET /client-tokens/{id}.
\set n random(1, 100000)
select id, token, name, description, status, revoked_at, created_at, updated_at
from client_tokens where account = 'default' and environment = 'sandbox' and id = 'ctkn_' || lpad(:n::text, 26, '0');
