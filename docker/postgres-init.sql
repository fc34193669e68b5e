-- Run once by the postgres image, when its data volume is still empty (docker-entrypoint-initdb.d).
-- The bot's database `bot` is created by POSTGRES_DB (docker-compose.yml). Rasa's SQL tracker store
-- needs a database of its own, which it can create only when `login_db` is set in endpoints.yml:
-- create it here instead. On an existing volume, run this by hand (psql -U postgres).
CREATE DATABASE rasa;
