-- A caller-executed execution is started once: a second start must carry the same start key.
ALTER TABLE "Execution" ADD COLUMN "startKey" TEXT;
