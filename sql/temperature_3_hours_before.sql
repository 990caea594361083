-- For every region and every stored hour: its mean temperature and the one 3 hours before.
-- A self-join on the exact hour 3 hours earlier, not LAG(…, 3): when that hour is missing,
-- the result is NULL rather than the value of whichever row happens to be three rows back.
SELECT cur.region AS "Region",
       cur.hour AS "Hour",
       cur.temperature AS "Temperature",
       prev.temperature AS "Temperature3HoursBefore"
FROM region_hourly_temperature AS cur
LEFT JOIN region_hourly_temperature AS prev
  ON prev.region = cur.region
 AND prev.hour = cur.hour - INTERVAL '3 hours'
ORDER BY cur.region, cur.hour;
