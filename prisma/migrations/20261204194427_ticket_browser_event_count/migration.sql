-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "browserEventCount" INTEGER NOT NULL DEFAULT 0;

-- Tickets from before this migration start with the events they already
-- have, so that the limit counts them too.
UPDATE "Ticket" AS t SET "browserEventCount" = e."count"
FROM (
  SELECT "ticketId", count(*) AS "count"
    FROM "SessionEvent"
   WHERE "ticketId" IS NOT NULL
     AND "type" IN ('launch_page_served', 'launch_rejected', 'callback_duplicate',
                    'callback_rejected', 'callback_mismatch', 'callback_opened_directly',
                    'callback_unreadable')
   GROUP BY "ticketId"
) AS e
WHERE e."ticketId" = t."id";
