-- CreateTable
CREATE TABLE "derived_repair" (
    "name" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "derived_repair_pkey" PRIMARY KEY ("name")
);

-- Page and screen calls were stored under their page/screen name; from now on they are "Page Viewed" /
-- "Screen Viewed" with the name in properties.name (see docs/ingestion.md). Rewrite what is stored the
-- same way: the old name moves to properties.name unless the properties already have a name.

-- Derived state keyed on event names that this rewrite changes is rebuilt from the touchpoints:
-- the churn rows when the churn event is a page view or an old page name (the next churn check
-- rebuilds when churn_tracking names no event), and RFM cut points likewise (tiers are exact until
-- the next refresh).
DELETE FROM "churn_tracking" ct
WHERE ct."event" IN ('Page Viewed', 'Screen Viewed')
   OR EXISTS (SELECT 1 FROM "touchpoint" t WHERE t."type" IN ('PAGE', 'SCREEN') AND t."event" = ct."event");
DELETE FROM "rfm_cutpoints" r
WHERE r."order_event" IN ('Page Viewed', 'Screen Viewed')
   OR EXISTS (SELECT 1 FROM "touchpoint" t WHERE t."type" IN ('PAGE', 'SCREEN') AND t."event" = r."order_event");

-- Segments and rule tags that read events are then compared with their members once by the leader
-- (SegmentService.repairPending), which moves people in or out with reason "repair"; only asked for
-- when some touchpoint was rewritten.
WITH rewritten AS (
  UPDATE "touchpoint" t SET
    "event" = v.canonical,
    "properties" = CASE
      WHEN t."event" IS NOT NULL AND t."event" <> v.canonical AND jsonb_typeof(t."properties") = 'object' AND NOT (t."properties" ? 'name')
        THEN t."properties" || jsonb_build_object('name', t."event")
      ELSE t."properties" END
  FROM (VALUES ('PAGE'::"TouchpointType", 'Page Viewed'), ('SCREEN'::"TouchpointType", 'Screen Viewed')) AS v(type, canonical)
  WHERE t."type" = v.type AND t."event" IS DISTINCT FROM v.canonical
  RETURNING 1)
INSERT INTO "derived_repair" ("name") SELECT 'segments-reading-events' WHERE EXISTS (SELECT 1 FROM rewritten);
