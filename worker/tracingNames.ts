/** Names the traces use, shared by the workflow sandbox's interceptor and the worker's (no imports). */

/** The span attribute naming the import hour (ISO 8601, UTC), on the workflow's and each activity's span. */
export const IMPORT_HOUR_ATTRIBUTE = 'temperature.import_hour';
/** The activity header carrying the import hour from the workflow to the activity's span. */
export const IMPORT_HOUR_HEADER = 'temperature-import-hour';
