-- AlterTable
ALTER TABLE "ChainHead" ADD COLUMN     "pending" INTEGER NOT NULL DEFAULT 0;

-- The count of a tenant's pending executions (QUEUED, RUNNING, RETRY_WAIT), kept where admission
-- already locks: the tenant's chain head. Every writer of "Execution" locks that head before it
-- changes a status (it appends the event that says so), so the counter adds no lock of its own.
-- Statement-level, with transition tables: one UPDATE per statement, however many rows it wrote.
CREATE FUNCTION "exoarmur_pending_after_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ChainHead" h SET pending = h.pending + d.delta
    FROM (SELECT "tenantId", count(*)::int AS delta FROM new_rows
           WHERE status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT') GROUP BY "tenantId") d
   WHERE h."tenantId" = d."tenantId";
  RETURN NULL;
END $$;

CREATE FUNCTION "exoarmur_pending_after_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ChainHead" h SET pending = h.pending + d.delta
    FROM (SELECT n."tenantId",
                 sum((n.status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT'))::int
                     - (o.status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT'))::int)::int AS delta
            FROM new_rows n JOIN old_rows o ON o.id = n.id
           GROUP BY n."tenantId") d
   WHERE h."tenantId" = d."tenantId" AND d.delta <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION "exoarmur_pending_after_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ChainHead" h SET pending = h.pending - d.delta
    FROM (SELECT "tenantId", count(*)::int AS delta FROM old_rows
           WHERE status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT') GROUP BY "tenantId") d
   WHERE h."tenantId" = d."tenantId";
  RETURN NULL;
END $$;

CREATE TRIGGER "Execution_pending_insert" AFTER INSERT ON "Execution"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "exoarmur_pending_after_insert"();
CREATE TRIGGER "Execution_pending_update" AFTER UPDATE ON "Execution"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "exoarmur_pending_after_update"();
CREATE TRIGGER "Execution_pending_delete" AFTER DELETE ON "Execution"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "exoarmur_pending_after_delete"();

-- What is pending now.
UPDATE "ChainHead" h SET pending = c.n
  FROM (SELECT "tenantId", count(*)::int AS n FROM "Execution"
         WHERE status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT') GROUP BY "tenantId") c
 WHERE h."tenantId" = c."tenantId";
