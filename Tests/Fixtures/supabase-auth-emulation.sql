-- Makes a plain PostgreSQL look enough like Supabase for the row-level-security test:
-- Supabase's API roles (anon, authenticated, service_role), the schema `auth`, and
-- auth.uid() / auth.role() / auth.jwt() as Supabase's auth service defines them (they read the
-- JWT claims PostgREST puts in the settings request.jwt.claims, or the older
-- request.jwt.claim.*). With `auth` present, migration 0002 sets up RLS.
--
-- Apply it as the tables' owner (the test's login role), before the migrations; it can run
-- again. psql applies it, and so does the gateway's migration splitter statement by statement
-- (bodies in plain $$, no `;` or `--` inside string literals). Creating roles needs CREATEROLE
-- (scripts/with-postgres.sh gives it to `career`); BYPASSRLS needs a superuser, so without one
-- service_role is created without it (nothing in the test uses service_role). The login role
-- is made a member of anon and authenticated so that it can SET ROLE to them:
--   BEGIN;
--   SET LOCAL ROLE authenticated;
--   SELECT set_config('request.jwt.claims', '{"sub":"<uuid>","role":"authenticated"}', true);
--   SELECT ... ;   -- that user's rows only
--   ROLLBACK;

-- Roles are shared by every database of the server, so another test may be creating them at
-- the same moment: an "already exists" from a concurrent CREATE ROLE is fine too.
DO $$
DECLARE
    superuser boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        BEGIN
            CREATE ROLE anon NOLOGIN NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        BEGIN
            CREATE ROLE authenticated NOLOGIN NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        BEGIN
            IF superuser THEN
                CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
            ELSE
                RAISE NOTICE 'not a superuser: service_role created without BYPASSRLS';
                CREATE ROLE service_role NOLOGIN NOINHERIT;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END
$$;

-- So the login role can SET ROLE anon / authenticated (only a NOTICE when it already can).
GRANT anon, authenticated TO SESSION_USER;

CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

-- The JWT's subject: the signed-in user's id, NULL when there is none.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT nullif(
    coalesce(
      current_setting('request.jwt.claim.sub', true),
      (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
    ),
    ''
  )::uuid
$$;

-- The JWT's role claim (anon, authenticated, service_role).
CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT nullif(
    coalesce(
      current_setting('request.jwt.claim.role', true),
      (current_setting('request.jwt.claims', true)::jsonb ->> 'role')
    ),
    ''
  )::text
$$;

-- Every claim of the JWT.
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO anon, authenticated, service_role;
