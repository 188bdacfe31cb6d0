/** The PostgreSQL schema pg-boss keeps its tables in. */
export const JOB_QUEUE_SCHEMA = 'pgboss';
