-- CreateIndex
CREATE INDEX "Event_tenantId_type_id_idx" ON "Event"("tenantId", "type", "id");
