-- bot-bottle: additive
-- Fleet mode's boundary (see migrations/postgres/0010): PostgreSQL takes every direct write away
-- from host brokers and enforces the store's rules itself. A single host has no such peer: its
-- store is the boundary and the file's permissions keep everyone else out, so nothing changes
-- here. The version exists on both engines because one schema history means one numbering.
SELECT 1;
