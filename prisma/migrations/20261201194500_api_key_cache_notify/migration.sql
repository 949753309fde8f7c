-- API key cache invalidation (server/services/keys/key-cache.ts). Every app instance caches the
-- principals of the keys it authenticated and LISTENs on "exoarmur_api_keys"; whatever changes what
-- authentication returns notifies it from inside its own transaction, so the notice is delivered
-- exactly at commit, whoever made the change: the services, the CLI, a migration or psql.
-- Payloads: 'key:<ApiKey.id>', 'user:<User.id>' (the person a key acts for), '*' (everything).
-- No schema change: triggers only (the Prisma schema does not describe them).

-- Row triggers pass the payload's prefix ('key', 'user') and name the old row (what caches hold);
-- statement triggers (TRUNCATE) name nothing: everything.
CREATE FUNCTION "exoarmur_notify_key_cache"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    PERFORM pg_notify('exoarmur_api_keys', TG_ARGV[0] || ':' || OLD.id);
  ELSE
    PERFORM pg_notify('exoarmur_api_keys', '*');
  END IF;
  RETURN NULL;
END
$$;

-- Every column authentication reads (not lastUsedAt, createdAt): revocation, deletion (also by the
-- tenant's cascade), and any other edit.
CREATE TRIGGER "ApiKey_notify_key_cache"
  AFTER UPDATE OF "id", "tenantId", "name", "role", "keyHash", "revokedAt", "forUserId", "createdBy" OR DELETE
  ON "ApiKey" FOR EACH ROW EXECUTE FUNCTION "exoarmur_notify_key_cache"('key');

-- A key acting for a person carries their id and email.
CREATE TRIGGER "User_notify_key_cache"
  AFTER UPDATE OF "id", "email" OR DELETE
  ON "User" FOR EACH ROW EXECUTE FUNCTION "exoarmur_notify_key_cache"('user');

CREATE TRIGGER "ApiKey_truncate_notify_key_cache"
  AFTER TRUNCATE ON "ApiKey" FOR EACH STATEMENT EXECUTE FUNCTION "exoarmur_notify_key_cache"();

CREATE TRIGGER "User_truncate_notify_key_cache"
  AFTER TRUNCATE ON "User" FOR EACH STATEMENT EXECUTE FUNCTION "exoarmur_notify_key_cache"();
