"""Support-bot funnels and marketing-campaign outcomes.

What the export can and cannot say
----------------------------------
A chat row only names its support bot (``supportBotId``); the SupportBot sheet lists each
bot's section paths (``sectionPath``, one row per path and revision). **No sheet records
which path a chat took or at which section a customer stopped**, so per-step counts
cannot be computed from an export. What can be measured honestly is, per bot:

- ``chats``: chats that started with the bot;
- ``customer_wrote``: of those, chats with at least one customer message;
- ``team_replied``: chats a team member answered (a team message, or an exported
  ``firstRepliedAtAfterOpen``) — the bot handed the customer over;
- ``closed``: chats whose ``state`` is ``closed``;
- ``left_before_team``: ``chats - team_replied`` (the customer left, or was served by the
  bot alone).

The bot's paths are listed next to the counts (:func:`supportbot_funnel`) and step by
step (:func:`supportbot_steps`) so the funnel can be read against the bot's structure.
When the export has no messages at all (downloaded without "message data"),
``customer_wrote`` is null (unknown), not 0.

Campaign outcomes (:func:`campaign_outcomes`) use the same per-chat flags, plus the
median first response ``firstRepliedAtAfterOpen - openedAt`` (plain timestamp arithmetic;
:func:`chattools.chat_metrics` computes the full metrics).

Both functions keep every chat: a row with a null id collects the chats without a bot
(or campaign), so the ``chats`` column always sums to ``exp.chats.height``.

Examples
--------
>>> import chattools as ct
>>> ct.supportbot_funnel(ct.Export.empty()).height
0
"""

from __future__ import annotations

import polars as pl

from chattools.derive.joins import PATH_SEPARATOR, lookup, supportbot_path_lists
from chattools.derive.messages import side_expr
from chattools.export import Export

__all__ = ["campaign_outcomes", "chat_outcomes", "supportbot_funnel", "supportbot_steps"]

_FLAGS = ("customer_wrote", "team_replied", "closed")


def chat_outcomes(exp: Export) -> pl.LazyFrame:
    """Per chat row (in order): ``id``, ``supportBotId``, ``marketingId``, ``marketingType``,
    ``customer_wrote``, ``team_replied``, ``closed`` and ``first_response``
    (``firstRepliedAtAfterOpen - openedAt``).
    """
    messages = exp.lazy("messages")
    has_messages = messages.select(pl.len()).collect().item() > 0
    per_chat = (
        messages.with_columns(side_expr(messages.collect_schema()))
        .group_by(pl.col("chatId").alias("id"))
        .agg(
            (pl.col("side") == "customer").any().alias("__wrote"),
            (pl.col("side") == "team").any().alias("__team"),
        )
    )
    wrote = pl.col("__wrote").fill_null(False) if has_messages else pl.lit(None, pl.Boolean)
    return (
        exp.lazy("chats")
        .join(per_chat, on="id", how="left", maintain_order="left")
        .select(
            "id",
            "supportBotId",
            "marketingId",
            "marketingType",
            wrote.alias("customer_wrote"),
            (pl.col("__team").fill_null(False) | pl.col("firstRepliedAtAfterOpen").is_not_null())
            .fill_null(False)
            .alias("team_replied"),
            (pl.col("state") == "closed").fill_null(False).alias("closed"),
            (pl.col("firstRepliedAtAfterOpen") - pl.col("openedAt")).alias("first_response"),
        )
    )


def _counts() -> list[pl.Expr]:
    return [
        pl.len().cast(pl.Int64).alias("chats"),
        *[pl.col(f).sum().cast(pl.Int64).alias(f) for f in _FLAGS],
    ]


def _rate(column: str) -> pl.Expr:
    return (
        pl.when(pl.col("chats") > 0)
        .then(pl.col(column) / pl.col("chats"))
        .cast(pl.Float64)
        .alias(f"{column}_rate")
    )


def supportbot_funnel(exp: Export) -> pl.DataFrame:
    """Per support bot: chats entered, customer wrote, team replied, closed, and its paths.

    One row per ``supportBotId`` seen in the chats or the SupportBot sheet, plus a row
    with a null ``supportBotId`` for chats without a bot (a baseline). Columns:
    ``supportBotId``, ``bot_known`` (listed in the SupportBot sheet), ``paths`` (its
    section paths as ``"a > b > c"``), ``chats``, ``customer_wrote``, ``team_replied``,
    ``closed``, ``left_before_team`` and the rates ``team_replied_rate``, ``closed_rate``
    (shares of ``chats``). See the module docstring for what the data cannot say.

    Examples
    --------
    >>> import polars as pl, chattools as ct
    >>> from chattools import schema
    >>> def typed(sheet, **columns):
    ...     return pl.concat([schema.empty_frame(sheet), pl.DataFrame(columns)],
    ...                      how="diagonal_relaxed")
    >>> chats = typed("chats", id=["a", "b", "c"], supportBotId=["5", "5", None],
    ...               state=["closed", "opened", "closed"])
    >>> bots = typed("supportbots", id=["5", "5"], sectionPath=[["Start", "Refund"], ["Start"]])
    >>> out = ct.supportbot_funnel(ct.Export({"chats": chats, "supportbots": bots}))
    >>> out.select("supportBotId", "paths", "chats", "closed").rows()
    [('5', ['Start > Refund', 'Start'], 2, 1), (None, None, 1, 1)]
    """
    flags = chat_outcomes(exp)
    per_bot = flags.group_by("supportBotId").agg(_counts())
    paths = supportbot_path_lists(exp.lazy("supportbots")).with_columns(
        pl.lit(True).alias("bot_known")
    )
    out = (
        per_bot.join(paths, left_on="supportBotId", right_on="id", how="full", coalesce=True)
        .with_columns(
            pl.col("chats", *_FLAGS).fill_null(0),
            pl.when(pl.col("supportBotId").is_null())
            .then(None)
            .otherwise(pl.col("bot_known").fill_null(False))
            .alias("bot_known"),
        )
        .with_columns(
            (pl.col("chats") - pl.col("team_replied")).alias("left_before_team"),
            _rate("team_replied"),
            _rate("closed"),
        )
    )
    if not exp.lazy("messages").select(pl.len()).collect().item():
        out = out.with_columns(pl.lit(None, pl.Int64).alias("customer_wrote"))
    return (
        out.select(
            "supportBotId",
            "bot_known",
            "paths",
            "chats",
            "customer_wrote",
            "team_replied",
            "closed",
            "left_before_team",
            "team_replied_rate",
            "closed_rate",
        )
        .sort(["chats", "supportBotId"], descending=[True, False], nulls_last=True)
        .collect()
    )


def supportbot_steps(exp: Export) -> pl.DataFrame:
    """Every step of every support-bot path: one row per (bot, revision, path, step).

    Columns: ``supportBotId``, ``revisionId``, ``path_number`` (1-based, in sheet order
    per bot), ``path`` (``"a > b"``), ``step`` (1-based), ``section``, ``is_last`` and
    ``bot_chats`` (chats that started with the bot: the same number for every step,
    since the export does not say which step a chat reached).

    Examples
    --------
    >>> import polars as pl, chattools as ct
    >>> from chattools import schema
    >>> bots = pl.concat([schema.empty_frame("supportbots"),
    ...     pl.DataFrame({"id": ["5"], "sectionPath": [["Start", "Refund"]]})],
    ...     how="diagonal_relaxed")
    >>> supportbot_steps(ct.Export({"supportbots": bots})).select("step", "section", "is_last").rows()
    [(1, 'Start', False), (2, 'Refund', True)]
    """
    bot_chats = (
        exp.lazy("chats")
        .group_by("supportBotId")
        .agg(pl.len().cast(pl.Int64).alias("bot_chats"))
        .rename({"supportBotId": "id"})
    )
    return (
        exp.lazy("supportbots")
        .filter(pl.col("id").is_not_null())
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("id").alias("path_number"),
            pl.col("sectionPath").list.join(PATH_SEPARATOR).alias("path"),
        )
        .with_columns(pl.col("sectionPath").list.len().cast(pl.Int64).alias("__steps"))
        .explode("sectionPath")
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("id", "path_number").alias("step")
        )
        .with_columns((pl.col("step") == pl.col("__steps")).alias("is_last"))
        .join(bot_chats, on="id", how="left", maintain_order="left")
        .select(
            pl.col("id").alias("supportBotId"),
            "revisionId",
            "path_number",
            "path",
            "step",
            pl.col("sectionPath").alias("section"),
            "is_last",
            pl.col("bot_chats").fill_null(0),
        )
        .collect()
    )


def campaign_outcomes(exp: Export) -> pl.DataFrame:
    """Per marketing campaign: chats started, answered by the team, resolved, first response.

    One row per ``marketingId`` seen in the chats or the Marketing sheet, plus a row with a
    null ``marketingId`` for chats not started by a campaign. Columns: ``marketingId``,
    ``marketingType`` (from the chats), ``campaign_name``, ``campaign_type``,
    ``campaign_known`` (listed in the Marketing sheet), ``chats``, ``answered`` (team
    replied), ``resolved`` (state ``closed``), ``answered_rate``, ``resolved_rate``,
    ``first_response_time_median`` (median of ``firstRepliedAtAfterOpen - openedAt``
    over chats with both) and ``first_response_time_n`` (how many chats that median
    uses), named as in :func:`chattools.summarize`.

    Examples
    --------
    >>> import polars as pl, chattools as ct
    >>> from chattools import schema
    >>> from datetime import datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> t = datetime(2026, 3, 4, 10, tzinfo=ZoneInfo("Asia/Seoul"))
    >>> chats = pl.concat([schema.empty_frame("chats"), pl.DataFrame({
    ...     "id": ["a", "b"], "marketingId": ["9", "9"], "state": ["closed", "opened"],
    ...     "openedAt": [t, t], "firstRepliedAtAfterOpen": [t + timedelta(minutes=4), None]})],
    ...     how="diagonal_relaxed")
    >>> out = campaign_outcomes(ct.Export({"chats": chats}))
    >>> out.select("marketingId", "chats", "answered", "resolved", "first_response_time_median").rows()
    [('9', 2, 1, 1, datetime.timedelta(seconds=240))]
    """
    flags = chat_outcomes(exp)
    per_campaign = flags.group_by("marketingId").agg(
        pl.col("marketingType").drop_nulls().first().alias("marketingType"),
        pl.len().cast(pl.Int64).alias("chats"),
        pl.col("team_replied").sum().cast(pl.Int64).alias("answered"),
        pl.col("closed").sum().cast(pl.Int64).alias("resolved"),
        pl.col("first_response").median().alias("first_response_time_median"),
        pl.col("first_response").count().cast(pl.Int64).alias("first_response_time_n"),
    )
    campaigns = lookup(
        exp.lazy("marketing"), {"name": "campaign_name", "type": "campaign_type"}
    ).rename({"__hit": "campaign_known"})
    out = (
        per_campaign.join(
            campaigns, left_on="marketingId", right_on="id", how="full", coalesce=True
        )
        .with_columns(
            pl.col("chats", "answered", "resolved", "first_response_time_n").fill_null(0),
            pl.when(pl.col("marketingId").is_null())
            .then(None)
            .otherwise(pl.col("campaign_known").fill_null(False))
            .alias("campaign_known"),
        )
        .with_columns(
            _rate("answered"),
            _rate("resolved"),
        )
    )
    return (
        out.select(
            "marketingId",
            "marketingType",
            "campaign_name",
            "campaign_type",
            "campaign_known",
            "chats",
            "answered",
            "resolved",
            "answered_rate",
            "resolved_rate",
            "first_response_time_median",
            "first_response_time_n",
        )
        .sort(["chats", "marketingId"], descending=[True, False], nulls_last=True)
        .collect()
    )
