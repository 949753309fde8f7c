-- The outbox (issue 13): the relay looks for events not yet published, in (tenant, seq) order. An
-- index over every event by "publishedAt" took two entries per event (the unpublished one, then the
-- published one) and one more index write on each relay mark; a partial index holds only what waits,
-- so it stays small, and marking an event no longer adds to it. Not expressible in schema.prisma.
-- Built first (writes to "Event" wait while it is built, reads do not), then the old one dropped.
CREATE INDEX "Event_unpublished_idx" ON "Event"("tenantId", "seq") WHERE "publishedAt" IS NULL;
DROP INDEX IF EXISTS "Event_publishedAt_tenantId_seq_idx";
