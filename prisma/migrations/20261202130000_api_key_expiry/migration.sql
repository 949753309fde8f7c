-- API keys may expire; an expiry is read by authentication, so changing it notifies key caches.
ALTER TABLE "ApiKey" ADD COLUMN "expiresAt" TIMESTAMPTZ(6);

DROP TRIGGER "ApiKey_notify_key_cache" ON "ApiKey";
CREATE TRIGGER "ApiKey_notify_key_cache"
  AFTER UPDATE OF "id", "tenantId", "name", "role", "keyHash", "revokedAt", "forUserId", "createdBy", "expiresAt" OR DELETE
  ON "ApiKey" FOR EACH ROW EXECUTE FUNCTION "exoarmur_notify_key_cache"('key');
