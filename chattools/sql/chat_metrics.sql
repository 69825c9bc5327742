-- chattools: core chat metrics, one row per chat (calendar time, latest open→close cycle).
--
-- Portable SQL: DuckDB and Spark SQL run this exact text.
--   * Input tables: `chats` (id, state, openedAt, closedAt) and `messages` (chatId,
--     personType, createdAt, isPrivate, _file, _row), i.e. the typed frames of
--     chattools.schema. `isPrivate` may be all NULL (legacy exports have no notes).
--   * Timestamps are instants (Parquet timestamps adjusted to UTC). Differences are taken
--     on `unix_micros(ts)`: built into Spark SQL (and BigQuery); on DuckDB define it once
--     with  CREATE TEMP MACRO unix_micros(ts) AS epoch_us(ts)
--   * Durations come out as DOUBLE seconds (exact for the 1-second and 1-ms resolutions of
--     the exports), counts as BIGINT.
--
-- Rules: those of chattools.chat_metrics (see docs/metrics.md, docs/decisions.md).
--   * Only the latest cycle counts: messages with openedAt <= createdAt, and
--     createdAt <= closedAt when the chat is closed (state = 'closed' and closedAt set).
--   * Bots and internal notes (manager messages with isPrivate true) are ignored.
--   * Order within a chat: createdAt, then _file, then _row (same-second ties are common).
--   * Consecutive messages of one side (customer = 'user', team = 'manager') form a run.
--     A reply sample is a team run that follows a customer run; its time runs from the
--     FIRST message of that customer run to the first message of the team run.
--   * first_response_seconds: first sample's team message − openedAt; when the cycle
--     starts with a team run (outbound), − the first sample's customer message instead.
--   * Waiting: each customer run waits on the team from its first message until the next
--     team message, each team run waits on the customer until the next customer message.
--     The last run of a chat ends at closedAt when the chat is closed (unanswered tail /
--     ended waiting on customer), at the export time (the latest createdAt of `messages`)
--     when it is still open, and is left out when a closed chat has no closedAt.
--   * NULLs: reply_count is 0 without a sample; total_reply_seconds and
--     first_response_seconds are NULL without a sample; the waiting sums are NULL when
--     the latest cycle has no customer or team message (also when openedAt is NULL);
--     resolution_seconds is NULL unless the chat is closed.
WITH export_time AS (
    SELECT MAX(unix_micros(createdAt)) AS as_of_us
    FROM messages
),
cycle AS (
    SELECT
        id AS chat_id,
        unix_micros(openedAt) AS opened_us,
        CASE WHEN state = 'closed' THEN 1 ELSE 0 END AS is_closed,
        CASE WHEN state = 'closed' THEN unix_micros(closedAt) END AS closed_us
    FROM chats
),
cycle_messages AS (
    SELECT
        c.chat_id,
        CASE WHEN c.is_closed = 1 THEN c.closed_us ELSE e.as_of_us END AS end_us,
        CASE WHEN m.personType = 'user' THEN 'customer' ELSE 'team' END AS side,
        unix_micros(m.createdAt) AS at_us,
        m._file AS file_name,
        m._row AS row_number_in_file
    FROM cycle AS c
    CROSS JOIN export_time AS e
    INNER JOIN messages AS m
        ON m.chatId = c.chat_id
    WHERE
        (
            m.personType = 'user'
            OR (m.personType = 'manager' AND NOT COALESCE(m.isPrivate, FALSE))
        )
        AND unix_micros(m.createdAt) >= c.opened_us
        AND (c.closed_us IS NULL OR unix_micros(m.createdAt) <= c.closed_us)
),
flagged AS (
    SELECT
        chat_id,
        end_us,
        side,
        at_us,
        file_name,
        row_number_in_file,
        CASE
            WHEN
                LAG(side) OVER (
                    PARTITION BY chat_id
                    ORDER BY at_us, file_name NULLS LAST, row_number_in_file NULLS LAST
                ) = side
                THEN 0
            ELSE 1
        END AS starts_run
    FROM cycle_messages
),
runs AS (
    SELECT
        chat_id,
        end_us,
        side,
        at_us AS run_start_us,
        ROW_NUMBER() OVER (
            PARTITION BY chat_id
            ORDER BY at_us, file_name NULLS LAST, row_number_in_file NULLS LAST
        ) AS run_number
    FROM flagged
    WHERE starts_run = 1
),
linked AS (
    SELECT
        chat_id,
        side,
        run_number,
        run_start_us,
        LAG(run_start_us) OVER (PARTITION BY chat_id ORDER BY run_number) AS previous_start_us,
        COALESCE(
            LEAD(run_start_us) OVER (PARTITION BY chat_id ORDER BY run_number),
            end_us
        ) AS run_end_us
    FROM runs
),
per_chat AS (
    SELECT
        chat_id,
        SUM(
            CASE WHEN side = 'team' AND previous_start_us IS NOT NULL THEN 1 ELSE 0 END
        ) AS reply_count,
        SUM(
            CASE
                WHEN side = 'team' AND previous_start_us IS NOT NULL
                    THEN run_start_us - previous_start_us
            END
        ) AS total_reply_us,
        MIN(
            CASE WHEN side = 'team' AND previous_start_us IS NOT NULL THEN run_start_us END
        ) AS first_reply_us,
        MIN(
            CASE WHEN side = 'team' AND previous_start_us IS NOT NULL THEN previous_start_us END
        ) AS first_customer_us,
        MAX(CASE WHEN run_number = 1 AND side = 'team' THEN 1 ELSE 0 END) AS starts_with_team,
        COALESCE(SUM(CASE WHEN side = 'customer' THEN run_end_us - run_start_us END), 0)
            AS customer_waiting_us,
        COALESCE(SUM(CASE WHEN side = 'team' THEN run_end_us - run_start_us END), 0)
            AS team_waiting_us
    FROM linked
    GROUP BY chat_id
)
SELECT
    c.chat_id AS id,
    CAST(
        p.first_reply_us
        - CASE WHEN p.starts_with_team = 1 THEN p.first_customer_us ELSE c.opened_us END
        AS DOUBLE
    ) / 1000000 AS first_response_seconds,
    CAST(COALESCE(p.reply_count, 0) AS BIGINT) AS reply_count,
    CAST(p.total_reply_us AS DOUBLE) / 1000000 AS total_reply_seconds,
    CAST(c.closed_us - c.opened_us AS DOUBLE) / 1000000 AS resolution_seconds,
    CAST(p.customer_waiting_us AS DOUBLE) / 1000000 AS customer_waiting_seconds,
    CAST(p.team_waiting_us AS DOUBLE) / 1000000 AS team_waiting_seconds
FROM cycle AS c
LEFT JOIN per_chat AS p
    ON c.chat_id = p.chat_id
ORDER BY id;
