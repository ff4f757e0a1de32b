"""`marquee billing`: Subscriptions: renewals and plans."""

from __future__ import annotations

import typer

from marquee.cli.context import console, opened, state

app = typer.Typer(help="Subscriptions: renewals and plans.", no_args_is_help=True)


@app.command("renew")
def renew_cmd(ctx: typer.Context) -> None:
    """Charge every subscription whose period has ended; run it daily (e.g. from cron)."""
    with opened(state(ctx).settings()) as container:
        report = container.billing.renew_due(container.clock())
    console.print(
        f"renewed {report.renewed}, payment failed {report.failed}, "
        f"canceled {report.canceled}, skipped {report.skipped}"
    )


@app.command("plans")
def plans_cmd(ctx: typer.Context) -> None:
    """List every plan, offered or not."""
    with opened(state(ctx).settings()) as container:
        plans = container.plans.list_plans(include_inactive=True)
    for plan in plans:
        offered = "" if plan.is_active else "  (not offered)"
        console.print(
            f"{plan.code:<12} {plan.price_minor:>7} {plan.currency}  {plan.max_resolution}p  "
            f"{plan.max_streams} streams  downloads {'yes' if plan.downloads else 'no'}{offered}"
        )
