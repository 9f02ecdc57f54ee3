-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "launchedAt" TIMESTAMPTZ(3);

-- Tickets whose launch page was served before this migration take the time
-- of their first launch_page_served event, so that their callbacks are
-- still accepted. NOTE: a launch page served by the previous version after
-- this migration ran (while the old gateway still serves requests) leaves
-- launchedAt null, and its callback is rejected; that student starts again
-- from the course.
UPDATE "Ticket" AS t SET "launchedAt" = e."firstServedAt"
FROM (
  SELECT "ticketId", min("createdAt") AS "firstServedAt"
    FROM "SessionEvent"
   WHERE "type" = 'launch_page_served' AND "ticketId" IS NOT NULL
   GROUP BY "ticketId"
) AS e
WHERE e."ticketId" = t."id";
