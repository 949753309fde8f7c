-- Caller-executed intents ("execution": "caller"): the caller acts and reports; never dispatched.
ALTER TABLE "Execution" ADD COLUMN "mode" TEXT NOT NULL DEFAULT 'executor',
                        ADD COLUMN "report" JSONB,
                        ADD COLUMN "reportDeadline" TIMESTAMPTZ(6);

-- CreateIndex
CREATE INDEX "Execution_status_reportDeadline_idx" ON "Execution"("status", "reportDeadline");

-- An execution that waits for its caller is pending too: it holds a place under the tenant's
-- pending cap until it is reported or its deadline passes (UNREPORTED).
CREATE OR REPLACE FUNCTION "exoarmur_pending_after_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ChainHead" h SET pending = h.pending + d.delta
    FROM (SELECT "tenantId", count(*)::int AS delta FROM new_rows
           WHERE status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT', 'AWAITING_CALLER') GROUP BY "tenantId") d
   WHERE h."tenantId" = d."tenantId";
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "exoarmur_pending_after_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ChainHead" h SET pending = h.pending + d.delta
    FROM (SELECT n."tenantId",
                 sum((n.status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT', 'AWAITING_CALLER'))::int
                     - (o.status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT', 'AWAITING_CALLER'))::int)::int AS delta
            FROM new_rows n JOIN old_rows o ON o.id = n.id
           GROUP BY n."tenantId") d
   WHERE h."tenantId" = d."tenantId" AND d.delta <> 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "exoarmur_pending_after_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ChainHead" h SET pending = h.pending - d.delta
    FROM (SELECT "tenantId", count(*)::int AS delta FROM old_rows
           WHERE status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT', 'AWAITING_CALLER') GROUP BY "tenantId") d
   WHERE h."tenantId" = d."tenantId";
  RETURN NULL;
END $$;
