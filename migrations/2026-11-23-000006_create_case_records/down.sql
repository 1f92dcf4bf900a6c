DROP TABLE decisions;
DROP TABLE notes;
DROP FUNCTION case_record_reject_change();
DROP TABLE parties;
DROP TABLE allegations;
