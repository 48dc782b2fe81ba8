DROP TRIGGER bottles_update_own_row;
DROP TRIGGER bottles_insert_own_row;
DROP TABLE bottles;
