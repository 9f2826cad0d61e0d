"""``joinedup triage``: the management group's decision on one or more exceptions.

    joinedup triage 19 --decision escalate --note "Not improving" \\
        --recommendation "Fund a healthy weight service" --ask resources --user steering.member
    joinedup triage 12 --decision anomaly --note "Check the 2017 figure" --user officer
    joinedup triage 18 --decision performance --note "Rising" --owner theme.lead \\
        --due 2027-03-31 --action "Extend the school food programme" --user officer

Every exception listed gets the same decision, or none does (``decisions.triage``). A
refusal prints its one-line reason alone on stderr and exits with status 1. The command
holds no transaction of its own, so figures sent back as a data anomaly are re-assessed as
the decision commits (the returns workflow announces them once it has), before the command
ends: the exception then waits for corrected figures.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from joinedup.exceptions.decisions import DecisionRefused, PlanDetails, triage
from joinedup.exceptions.models import IndicatorException, TriageDecision
from joinedup.partnership.models import Person
from joinedup.partnership.people import person_for_command
from joinedup.returns.management.commands.remind import day
from joinedup.returns.workflow import WorkflowError

Decision = IndicatorException.Decision


class Command(BaseCommand):
    help = ("Decide what one or more exceptions are: a data anomaly (the flagged figures go "
            "back to their owners), a performance issue (with a remedial plan: --owner and "
            "--due) or one for the Board (--recommendation and --ask). All of them or none; a "
            "refusal is printed on stderr and the exit status is 1.")

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="+", type=int, metavar="ID",
                            help="the exceptions' ids, as 'joinedup exceptions' lists them")
        parser.add_argument("--decision", required=True, choices=Decision.values)
        parser.add_argument("--note", required=True,
                            help="why, for the record; for an anomaly, what the figures' "
                                 "owner must check")
        parser.add_argument("--user", metavar="USERNAME",
                            help="who decides (default: $JOINEDUP_USER, or your login name)")
        escalation = parser.add_argument_group("an escalation to the Board")
        escalation.add_argument("--recommendation", default="",
                                help="what the Board should do")
        escalation.add_argument("--ask", default="", choices=TriageDecision.BoardAsk.values,
                                help="what the Board is asked to decide")
        plan = parser.add_argument_group("a performance issue's remedial plan")
        plan.add_argument("--owner", metavar="USERNAME", help="who owns the plan")
        plan.add_argument("--due", type=day, metavar="YYYY-MM-DD",
                          help="when its actions are due")
        plan.add_argument("--action", action="append", default=[], metavar="TEXT",
                          help="an action (repeat for more; default: the note)")
        plan.add_argument("--review", default="", metavar="PERIOD",
                          help="the period whose figure shows if it worked (default: the "
                               "next period)")

    def handle(self, *args, **options):
        user = person_for_command(
            options["user"], refusal="There is no active person with the username "
                                     "{username!r}; say who decides with --user USERNAME.")
        plan = None
        if options["decision"] == Decision.PERFORMANCE and options["owner"]:
            # An inactive owner is found, so that the refusal says why they cannot own it.
            owner = Person.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"There is no person with the username "
                                   f"{options['owner']!r} to own the remedial plan.")
            plan = PlanDetails(owner=owner, due=options["due"], actions=options["action"],
                               review_period=options["review"])
        try:
            made = triage(options["ids"], user, options["decision"], options["note"],
                          recommendation=options["recommendation"],
                          board_asked_for=options["ask"], plan=plan)
        except (DecisionRefused, WorkflowError) as refused:
            self.stderr.write(str(refused))
            raise SystemExit(1) from None
        for decision in made:
            self.stdout.write(done(decision))


def done(decision: TriageDecision) -> str:
    """What was done to one exception, in a line."""
    exception = decision.exception
    what = f"Exception {exception.pk}, {exception.indicator.code} {exception.period} " \
           f"({exception.layer.slug}): "
    if decision.decision == Decision.ESCALATE:
        ask = decision.get_board_asked_for_display()
        return what + f"escalated to the Board, asking for {ask[0].lower()}{ask[1:]}."
    if decision.decision == Decision.PERFORMANCE:
        plan = decision.plan
        actions = list(plan.actions.all())
        return what + (f"performance issue; remedial plan owned by {plan.owner.get_username()}"
                       f", {len(actions)} action{'s' if len(actions) != 1 else ''} due "
                       f"{actions[0].due:%-d %B %Y}, reviewed with the {plan.review_period} "
                       "figure.")
    count = decision.figures_returned
    return what + (f"data anomaly; {count} figure sent back to its owner" if count == 1 else
                   f"data anomaly; {count} figures sent back to their owners") + \
        ", to be corrected and approved again."
