DROP TABLE case_members;
DROP TABLE cases;
DROP TABLE case_reference_counters;
