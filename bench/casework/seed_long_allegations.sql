-- Adds long allegations to the casework benchmark's seeded cases: statements of about 20,000
-- characters (the longest description the API accepts), each on a case of its own, as a
-- complainant's or a colleague's account of months of contact would be. A search reads every
-- word of them, so they are what a full-text search must not slow down on.
--
-- psql variables (all required):
--   count   long allegations to add (e.g. 200)
--   total   the seeded cases (seed.sql's `total`): the cases they go on are picked among them
--
-- Each statement is made of sentences drawn at random from the templates below, with places,
-- people, settings, days and times filled in (the vocabularies of seed.sql), so its words are
-- those of a real account: every place name appears in most of them, and a few words
-- ("CCTV", "bodyworn") appear in these statements only. Reproducible (setseed); the
-- allegations trigger keeps each case's search vector, as it would for one recorded through
-- the API.
\set ON_ERROR_STOP 1

BEGIN;
SELECT setseed(0.2020);

\ir vocabulary.sql
CREATE TEMP TABLE lw ON COMMIT DROP AS SELECT
    ARRAY['Monday','Tuesday','Wednesday','Thursday','Friday','Saturday','Sunday'] AS days,
    ARRAY['January','February','March','April','May','June','July','August','September',
          'October','November','December'] AS months,
    ARRAY[
      'On %6$s evening I met the officer near %1$s station, where he said that he could help with my case if I kept our conversations between us.',
      'He told me that %2$s had been spoken to and that nothing would happen unless I made a fuss, which I now know was not true.',
      'The first message arrived at %5$s, less than an hour after he had left the flat in %1$s, and asked whether I was on my own.',
      'I asked him why he needed my personal number and he said that it was quicker than going through the switchboard at %4$s.',
      'At the time I was frightened of my former partner and I believed that the officer was the only person who was taking me seriously.',
      'My sister, %2$s, was with me on one occasion and she noticed that he called me by a nickname that I had never told anyone at work.',
      'He offered to drive me to the hearing at %4$s magistrates court and on the way back stopped in a lay-by outside %1$s for about twenty minutes.',
      'I did not feel able to refuse because he knew everything about my circumstances, including where the children went to school.',
      'The messages became more personal over the following weeks and several of them were sent late at night, often after %5$s.',
      'He said that he had looked me up on the system %3$s and that he knew about the caution I received when I was younger.',
      'When I said that I wanted to stop talking to him he reminded me that my application for a non-molestation order was still open.',
      'I later found out from the front counter at %1$s that no officer of that name had been assigned to my report.',
      'There is CCTV at the petrol station on the ring road in %4$s which would show his car parked next to mine on the %6$s in question.',
      'I kept screenshots of the messages on my old phone and I have given copies to the investigator, %2$s, with the dates written on each one.',
      'He would sometimes arrive in uniform and sometimes in his own clothes, and on two occasions his bodyworn camera was switched off.',
      'A neighbour in %1$s saw him leave my address in the early hours and asked me the next day whether something had happened.',
      'I was told by a friend, %2$s, that he had behaved in the same way towards another woman whose case he dealt with in %4$s.',
      'During the call on %6$s he asked for photographs and said that it would stay between the two of us and that nobody checks.',
      'I did not report this at the time because I thought that nobody would believe me over a police officer with his experience.',
      'In %7$s he told me that he had been moved to a different team in %4$s but that he could still look at my file whenever he wanted.',
      'The officer also contacted my mother and told her that I was lucky to have someone on the inside looking out for me.',
      'I have reread my statement of %7$s and it is accurate, although I now remember that the meeting in %1$s took place on a %6$s.',
      'The duty sergeant at %4$s, %2$s, told me that she would pass my concerns on, but I heard nothing further for several weeks.',
      'I believe he used his position to get close to me when I was vulnerable, and that he chose me because I had nobody else to turn to.',
      'He gave me a second mobile number and asked me to delete the earlier messages, saying that the force monitored the first phone.',
      'On one occasion he came to my workplace in %1$s %3$s and waited in the car park until my shift finished at %5$s.',
      'I asked my support worker, %2$s, to sit in on the next appointment and after that he stopped calling me for a while.',
      'The records show that my address in %1$s was searched on the police national computer several times without any reason being given.',
      'He said that if anyone asked I should say that he was giving me safeguarding advice, and that he had written it up as a welfare visit.',
      'I was shown a map of the area around %4$s during my interview and I marked the places where we had met, which I have initialled.',
      'A colleague of his, %2$s, was present on the first visit and may remember what was said about my former partner and the children.',
      'I am willing to attend a hearing and give evidence, but I would like to do so from behind a screen because I am still afraid of him.',
      'Between %7$s and the end of the year I received well over a hundred messages, most of them sent while he was on duty.',
      'The bank statements I provided show a payment he asked me to make to a friend of his in %4$s, which he said would help my case.',
      'I have no complaint about the way %2$s took my statement, and I would like the investigation to be kept informed of any new contact.'
    ] AS sentences;

-- The cases the statements go on: distinct seeded cases, picked at random.
CREATE TEMP TABLE long_cases ON COMMIT DROP AS
SELECT n, md5('case-' || g)::uuid AS case_id
FROM (SELECT row_number() OVER () AS n, g
      FROM (SELECT DISTINCT g FROM (SELECT 1 + floor(random() * :total)::int AS g
                                    FROM generate_series(1, :count * 2)) AS r LIMIT :count) AS d) AS p;

-- Each statement: sentences until it is past 20,000 characters, then cut back to the last
-- full sentence within them.
CREATE TEMP TABLE long_texts ON COMMIT DROP AS
SELECT n, case_id, left(cut, length(cut) - strpos(reverse(cut), '.') + 1) AS description
FROM (SELECT n, case_id, left(body, 20000) AS cut FROM (
    SELECT lc.n, lc.case_id,
           string_agg(format(lw.sentences[1 + floor(random() * array_length(lw.sentences, 1))::int],
                             w.places[1 + floor(random() * array_length(w.places, 1))::int],
                             w.forenames[1 + floor(random() * array_length(w.forenames, 1))::int] || ' ' ||
                                 w.surnames[1 + floor(random() * array_length(w.surnames, 1))::int],
                             w.settings[1 + floor(random() * array_length(w.settings, 1))::int],
                             w.places[1 + floor(random() * array_length(w.places, 1))::int],
                             lpad((floor(random() * 24))::int::text, 2, '0') || ':' ||
                                 lpad((floor(random() * 60))::int::text, 2, '0'),
                             lw.days[1 + floor(random() * 7)::int],
                             lw.months[1 + floor(random() * 12)::int]),
                      ' ' ORDER BY s) AS body
    FROM long_cases lc CROSS JOIN w CROSS JOIN lw CROSS JOIN generate_series(1, 200) AS s
    GROUP BY lc.n, lc.case_id
) AS t) AS b;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM long_texts WHERE length(description) NOT BETWEEN 19000 AND 20000) THEN
        RAISE EXCEPTION 'a long allegation is not between 19,000 and 20,000 characters';
    END IF;
END $$;

INSERT INTO allegations (id, case_id, subject_id, standard, category, description,
                         conduct_from, conduct_to, warning_signs, version, created_at, updated_at)
SELECT md5('long-allegation-' || t.n)::uuid, t.case_id, a.subject_id, 'discreditable_conduct',
       c.category, t.description, (c.received_at - interval '120 days')::date, NULL, '{}', 1,
       c.created_at + interval '1 minute', c.created_at + interval '1 minute'
FROM long_texts t
JOIN cases c ON c.id = t.case_id
-- Against a subject the case already has.
CROSS JOIN LATERAL (SELECT subject_id FROM allegations WHERE case_id = t.case_id
                    ORDER BY created_at, id LIMIT 1) AS a;

COMMIT;
