-- Test suites control an account's new values: a seed makes its ids,
-- secrets and (with its clock) timestamps repeat exactly; the clock is
-- `real`, `frozen:<instant>` or `shifted:<microseconds>` (null: the
-- default, real unless seeded). `draws` numbers the seeded writes, so a
-- restarted server, or another replica, continues the sequence.
alter table accounts add column seed text;
alter table accounts add column clock text;
alter table accounts add column draws bigint not null default 0;
