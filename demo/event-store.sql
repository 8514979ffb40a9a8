-- The demo's event table, in the layout the seed systems use (DESIGN.md §2):
-- one row per event, metadata columns plus one JSONB document, events of an
-- aggregate numbered 1, 2, 3… under the primary key (optimistic locking),
-- hash-partitioned by aggregate id into 32 partitions as in production.
-- Idempotent: running it twice changes nothing.
SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS demo;

CREATE TABLE IF NOT EXISTS demo.event_store (
    id             uuid,
    created_on     timestamptz  NOT NULL DEFAULT now(),
    invocation_id  uuid         NOT NULL,
    request_id     uuid         NOT NULL,
    interaction_id uuid         NOT NULL,
    breadcrumbs    varchar(255) NOT NULL,
    event_seq      int          NOT NULL,
    service_name   varchar(255) NOT NULL,
    aggregate_id   uuid         NOT NULL,
    data           jsonb        NOT NULL,
    PRIMARY KEY (service_name, aggregate_id, event_seq)
) PARTITION BY hash (aggregate_id);

DO $$
BEGIN
    FOR remainder IN 0..31 LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS demo.event_store_p%s PARTITION OF demo.event_store '
            'FOR VALUES WITH (MODULUS 32, REMAINDER %s)',
            lpad(remainder::text, 2, '0'), remainder);
    END LOOP;
END
$$;
