-- One index for both lookups by id and listing: (account, environment, id).
-- With status between environment and id, the planner used the listing index
-- for lookups by id and walked all of an owner's entries to find one.
drop index client_tokens_listing;
create index client_tokens_by_owner on client_tokens (account, environment, id);
