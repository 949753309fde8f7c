-- The outbox (issue 13): the relay keeps, per chain, the seq up to which every event is in the
-- stream, instead of marking each published Event row. A mark was a non-HOT update of a row with
-- four indexes (about a third of PostgreSQL's work per decision); a cursor is one small row per
-- chain. A chain's events commit in seq order (its head is locked until the commit), so "published"
-- is exactly "seq <= the cursor's seq". Cursors start where each chain's published prefix ends.
CREATE TABLE "OutboxCursor" (
    "tenantId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboxCursor_pkey" PRIMARY KEY ("tenantId")
);

INSERT INTO "OutboxCursor" ("tenantId", "seq")
SELECT h."tenantId",
       COALESCE((SELECT min(e."seq") - 1 FROM "Event" e WHERE e."tenantId" = h."tenantId" AND e."publishedAt" IS NULL), h."seq")
  FROM "ChainHead" h;

DROP INDEX IF EXISTS "Event_unpublished_idx";
ALTER TABLE "Event" DROP COLUMN "publishedAt";
