-- The decisions list shows each decision's target (issue 14 §3). It is part of the intent as
-- evaluated (input.intent.target); a stored generated column keeps it in one place, written by
-- PostgreSQL on every insert, so no writer can make the two disagree.
ALTER TABLE "Decision" ADD COLUMN "target" TEXT GENERATED ALWAYS AS (input #>> '{intent,target}') STORED;
